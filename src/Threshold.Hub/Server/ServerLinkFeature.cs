using Microsoft.Extensions.DependencyInjection;

namespace Threshold.Hub.Server;

internal static class ServerLinkFeature
{
    public static IServiceCollection AddServerLink(this IServiceCollection services)
    {
        services.AddSingleton<HubStatus>();
        services.AddSingleton<ServerLink>();
        services.AddHostedService(sp => sp.GetRequiredService<ServerLink>());
        return services;
    }
}
