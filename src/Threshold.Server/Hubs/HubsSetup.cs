using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Threshold.Server.Hubs;

internal static class HubsSetup
{
    public static IHostApplicationBuilder AddHubs(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<MqttOptions>().BindConfiguration(MqttOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.CommandLifetime > TimeSpan.Zero && o.CommandLifetime <= TimeSpan.FromSeconds(60), "CommandLifetime must be 1–60 s.")
            .Validate(o => o.Embedded || !o.Tls || o.TlsPort != 0, "With an external broker and Tls, TlsPort must be the port it serves MQTT over TLS on.")
            .ValidateOnStart();
        services.AddSingleton<ServerSigningKey>();
        services.AddSingleton<HubBroker>();
        services.AddHostedService(sp => sp.GetRequiredService<HubBroker>());
        services.AddSingleton<DynSecProvisioner>();
        services.AddSingleton(sp =>
        {
            var link = ActivatorUtilities.CreateInstance<HubLink>(sp);
            // Resolved lazily: the provisioner itself talks through the link.
            link.OnConnected = ct => sp.GetRequiredService<DynSecProvisioner>().EnsureServerRoleAsync(ct);
            return link;
        });
        services.AddHostedService(sp => sp.GetRequiredService<HubLink>());
        services.AddHostedService<HubInbox>();
        services.AddScoped<HubEventRecorder>();
        services.AddSingleton<HubDirectory>();
        services.AddSingleton<HomeBrokerReports>();
        services.AddSingleton<IHubGateway, MqttHubGateway>();
        services.AddKeyRotation();
        services.Configure<RateLimiterOptions>(o => o.AddPolicy(PairingApi.RateLimit, ctx =>
            RateLimitPartition.GetFixedWindowLimiter("ip:" + ctx.Connection.RemoteIpAddress, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = 10,
                Window = TimeSpan.FromMinutes(1),
            })));
        return builder;
    }
}
