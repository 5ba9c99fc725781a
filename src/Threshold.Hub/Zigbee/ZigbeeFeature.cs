using Microsoft.Extensions.DependencyInjection;

namespace Threshold.Hub.Zigbee;

internal static class ZigbeeFeature
{
    /// <summary>The home broker connection; register before its readers, so it stops after them.</summary>
    public static IServiceCollection AddZigbee(this IServiceCollection services)
    {
        services.AddSingleton<ZigbeeConnection>();
        services.AddHostedService(sp => sp.GetRequiredService<ZigbeeConnection>());
        return services;
    }
}
