using Microsoft.Extensions.DependencyInjection;

namespace Threshold.Hub.Door;

internal static class DoorFeature
{
    public static IServiceCollection AddDoor(this IServiceCollection services)
    {
        services.AddSingleton<DoorEvents>();
        services.AddSingleton<DoorController>();
        services.AddHostedService(sp => sp.GetRequiredService<DoorController>());
        return services;
    }
}
