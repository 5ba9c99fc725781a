using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Threshold.Hub.Commands;
using Threshold.Hub.Door;
using Threshold.Hub.HomeBroker;
using Threshold.Hub.Keypad;
using Threshold.Hub.Outbox;
using Threshold.Hub.Server;
using Threshold.Hub.Storage;
using Threshold.Hub.Zigbee;

namespace Threshold.Hub;

/// <summary>
/// Builds a runnable hub for a paired data directory. Used by <c>threshold-hub run</c>, by the server's demo
/// mode and by integration tests (each with its own data directory). To use a simulated clock, register it in
/// <paramref name="configure"/>: <c>services.AddSingleton&lt;TimeProvider&gt;(fake)</c>; add logging providers there too.
/// </summary>
public static class HubHost
{
    public static IHost Build(HubSettings settings, Action<IServiceCollection>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var copy = settings.Clone();
        if (string.IsNullOrWhiteSpace(copy.DataDirectory))
        {
            copy.DataDirectory = HubSettings.DefaultDataDirectory();
        }

        copy.DataDirectory = Path.GetFullPath(copy.DataDirectory);
        if (!HubDataDirectory.IsPaired(copy.DataDirectory))
        {
            throw new InvalidOperationException($"The hub in '{copy.DataDirectory}' is not paired; run 'pair' first.");
        }

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var services = builder.Services;
        // Embedded in another process (server demo, tests) the hub must not take over Ctrl+C or process exit;
        // the CLI passes its own stopping token to RunAsync instead.
        services.Replace(ServiceDescriptor.Singleton<IHostLifetime, EmbeddedLifetime>());
        configure?.Invoke(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<HubSettings>()
            .Configure(o =>
            {
                o.DataDirectory = copy.DataDirectory;
                o.Zigbee = copy.Zigbee;
                o.Relock = copy.Relock;
                o.HomeBrokerCheck = copy.HomeBrokerCheck;
                o.ClockSkewSeconds = copy.ClockSkewSeconds;
                o.CommandTimeoutSeconds = copy.CommandTimeoutSeconds;
                o.ReconnectMaxSeconds = copy.ReconnectMaxSeconds;
                o.BatchResendSeconds = copy.BatchResendSeconds;
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<HubSettings>, HubSettingsValidator>();
        services.AddHubStorage().AddOutbox();
        // The devices, by owner: hosted services start in this order and stop in reverse, so every device owner stops
        // before the zigbee connection it reads from. Camera/ (its own owner, beside Door/ and Keypad/) is added here.
        services.AddZigbee().AddDoor().AddKeypad();
        services.AddServerLink().AddCommands();
        services.AddHomeBrokerCheck();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        return builder.Build();
    }
}

/// <summary>A host lifetime that does nothing: whoever runs the host stops it.</summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal static class HostedSingleton
{
    /// <summary>One instance, injectable and run as a hosted service (in the order added).</summary>
    public static IServiceCollection AddHostedSingleton<T>(this IServiceCollection services)
        where T : class, IHostedService =>
        services.AddSingleton<T>().AddHostedService(sp => sp.GetRequiredService<T>());
}
