using Threshold.Server.Hubs;

namespace Threshold.Server.Deliveries;

internal static class DeliveriesSetup
{
    /// <summary>The policy at the door, expiry of unused windows, and what the door reports to a delivery.</summary>
    public static IHostApplicationBuilder AddDeliveries(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AccessOptions>().BindConfiguration(AccessOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DeliveryExpiry>();
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryExpiry>());
        services.AddScoped<DoorReports>();
        services.AddScoped<IHubEventHandler>(sp => sp.GetRequiredService<DoorReports>());
        return builder;
    }
}
