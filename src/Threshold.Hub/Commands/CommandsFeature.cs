using Microsoft.Extensions.DependencyInjection;

namespace Threshold.Hub.Commands;

internal static class CommandsFeature
{
    public static IServiceCollection AddCommands(this IServiceCollection services)
    {
        services.AddSingleton<CommandProcessor>();
        services.AddHostedService(sp => sp.GetRequiredService<CommandProcessor>());
        return services;
    }
}
