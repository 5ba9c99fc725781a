using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Threshold.Hub;
using Threshold.Hub.Pairing;
using Threshold.Hub.Storage;
using Threshold.Server.Data;
using Threshold.Server.Hubs;
using Threshold.Simulator;

namespace Threshold.Server.Demo;

internal sealed class DemoOptions
{
    public const string Section = "Threshold:Demo";

    public int HomeBrokerPort { get; set; } = 1884;

    public string SimulatorControl { get; set; } = "http://127.0.0.1:5090";
}

/// <summary>
/// <c>--demo</c>: the server with its embedded broker, a second broker for the home network, simulated
/// zigbee2mqtt devices, an in-process hub paired through the real pairing API, and a demo household.
/// </summary>
internal static partial class DemoMode
{
    public static bool IsRequested(string[] args) => args.Contains("--demo");

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = ThresholdServer.CreateBuilder([.. args.Where(a => a != "--demo")]);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls("http://127.0.0.1:5000");
        }

        var options = builder.Configuration.GetSection(DemoOptions.Section).Get<DemoOptions>() ?? new DemoOptions();
        await using var app = builder.Build().MapThreshold();
        await app.Services.MigrateDatabaseAsync();
        await app.StartAsync();
        var logs = app.Services.GetRequiredService<ILoggerFactory>();
        var logger = logs.CreateLogger("Threshold.Demo");
        var serverUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        await using var homeBroker = await HomeNetworkBroker.StartAsync(options.HomeBrokerPort);
        await using var devices = await SimulatedHome.StartAsync(
            new SimulatorOptions { MqttPort = homeBroker.Port, ControlUrl = new Uri(options.SimulatorControl) }, TimeProvider.System, logs);
        await devices.WaitUntilConnectedAsync(app.Lifetime.ApplicationStopping);

        var dataDir = app.Services.GetRequiredService<DataDirectory>().Path;
        var demoPath = Path.Combine(dataDir, "demo.json");
        var broker = app.Services.GetRequiredService<HubBroker>();
        DemoFile demo;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            demo = await ActivatorUtilities.CreateInstance<DemoSeeder>(scope.ServiceProvider).SeedAsync(
                DemoFile.Read(demoPath), serverUrl, new DemoBroker("127.0.0.1", broker.Port), new DemoSimulator(devices.ControlUrl!.ToString().TrimEnd('/')),
                app.Lifetime.ApplicationStopping);
        }

        var hubDir = Path.Combine(dataDir, "demo-hub");
        await EnsureHubPairedAsync(app, demo, serverUrl, hubDir, app.Lifetime.ApplicationStopping);
        using var hub = HubHost.Build(
            new HubSettings { DataDirectory = hubDir, Zigbee = new ZigbeeSettings { Host = "127.0.0.1", Port = homeBroker.Port } },
            services => services.AddLogging().AddSingleton(logs));
        await hub.StartAsync(app.Lifetime.ApplicationStopping);

        demo.Write(demoPath);
        // Printed for the person at the terminal, deliberately not logged: logs get shipped, credentials must not.
        await Console.Out.WriteLineAsync($"Threshold demo is ready. Credentials ({demoPath}):\n" +
            JsonSerializer.Serialize(demo, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
        LogReady(logger, demoPath);
        await app.WaitForShutdownAsync();
        await hub.StopAsync(CancellationToken.None);
        return 0;
    }

    /// <summary>Pairs the demo hub through the public API, unless its identity is still known to this server.</summary>
    private static async Task EnsureHubPairedAsync(WebApplication app, DemoFile demo, string serverUrl, string hubDir, CancellationToken ct)
    {
        if (HubDataDirectory.IsPaired(hubDir))
        {
            var hubId = HubDataDirectory.LoadIdentity(hubDir).HubId;
            await using var scope = app.Services.CreateAsyncScope();
            if (await scope.ServiceProvider.GetRequiredService<ThresholdDbContext>().Hubs.AnyAsync(h => h.Id == hubId, ct))
            {
                return;
            }
        }

        using var http = new HttpClient { BaseAddress = new Uri(serverUrl) };
        var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { email = demo.Resident.Email, password = demo.Resident.Password }, ct);
        var token = (await login.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("accessToken").GetString();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/homes/{demo.HomeId}/pairing-codes");
        request.Headers.Authorization = new("Bearer", token);
        var code = (await (await http.SendAsync(request, ct)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("code").GetString()!;
        await HubPairing.PairAsync(http, serverUrl, code, "Demo hub", hubDir, ct, force: true);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo ready; credentials written to {Path}")]
    private static partial void LogReady(ILogger logger, string path);
}
