using Threshold.Testing;

namespace Threshold.Bench;

/// <summary>
/// The server under measurement: the one in-process server every test uses (<see cref="ServerHost"/>: the real
/// composition root, Kestrel on loopback, a SQLite file in a temp data directory, Production), as the benches run it
/// (<see cref="ServerHostOptions.Measuring"/>). Only the hub gateway is replaced, by <c>FakeHubGateway</c>: every hub
/// online with a live camera and every command confirmed at once, so the measured rate excludes the MQTT round trip
/// to the hub (signing the command, the hub's verification and actuation, and its reply).
/// </summary>
internal static class BenchServer
{
    public static Task<ServerHost> StartAsync(Action<WebApplicationBuilder>? customise = null) =>
        ServerHost.StartAsync(ServerHostOptions.Measuring("threshold-bench", fakeHub: true, customise));
}
