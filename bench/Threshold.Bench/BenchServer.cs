using Threshold.Testing;

namespace Threshold.Bench;

/// <summary>
/// The server under measurement: the one in-process server every test uses (<see cref="ServerHost"/>: the real
/// composition root, Kestrel on loopback, a SQLite file in a temp data directory, Production), on the system clock,
/// logging at Warning to the console. Only the hub gateway is replaced, by <c>FakeHubGateway</c>: every hub online
/// with a live camera and every command confirmed at once, so the measured rate excludes the MQTT round trip to the
/// hub (signing the command, the hub's verification and actuation, and its reply).
/// </summary>
internal static class BenchServer
{
    public static async Task<ServerHost> StartAsync(Action<WebApplicationBuilder>? customise = null)
    {
        var server = await ServerHost.StartAsync(new ServerHostOptions
        {
            SystemClock = true,
            LogLevel = LogLevel.Warning,
            Settings = new Dictionary<string, string> { ["Logging:LogLevel:Default"] = "Warning" },
            TempFolder = "threshold-bench",
            Configure = builder =>
            {
                builder.Logging.AddConsole();
                customise?.Invoke(builder);
            },
        });
        server.Hub.Record = false;
        return server;
    }
}
