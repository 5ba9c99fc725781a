using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Threshold.Demo.Tests.Support;

/// <summary>
/// One demo install: a temp data directory and its own loopback ports. Every start uses the same directory and
/// ports, as running <c>dotnet run --project src/Threshold.Demo</c> again does.
/// </summary>
internal sealed class DemoInstall : IDisposable
{
    private readonly string[] args;

    public DemoInstall()
    {
        DataDir = Path.Combine(Path.GetTempPath(), "threshold-demo-tests", Guid.NewGuid().ToString("N"));
        var ports = FreePort.Take(5);
        ServerUrl = $"http://127.0.0.1:{ports[0]}";
        HomeBrokerPort = ports[3];
        ControlUrl = $"http://127.0.0.1:{ports[1]}";
        args =
        [
            $"--urls={ServerUrl}",
            $"--Threshold:DataDirectory={DataDir}",
            $"--Threshold:Mqtt:Port={ports[2]}",
            $"--Threshold:Mqtt:TlsPort={ports[4]}",
            $"--Threshold:Demo:HomeBrokerPort={ports[3]}",
            $"--Threshold:Demo:SimulatorControl={ControlUrl}",
        ];
    }

    public string DataDir { get; }

    public string ServerUrl { get; }

    public int HomeBrokerPort { get; }

    /// <summary>The simulator's control surface.</summary>
    public string ControlUrl { get; }

    public string DemoPath => Path.Combine(DataDir, "demo.json");

    public Task<DemoHost> StartAsync() => DemoHost.StartAsync(args, builder => builder.Logging.ClearProviders());

    /// <summary>demo.json as a newcomer's <c>jq</c> reads it: from disk, by its JSON names.</summary>
    public JsonElement ReadDemoFile() => JsonDocument.Parse(File.ReadAllText(DemoPath)).RootElement.Clone();

    /// <summary>data/home-broker.json: the home broker's generated accounts, <c>zigbee2Mqtt</c> and <c>hub</c>.</summary>
    public JsonElement ReadHomeBrokerAccounts() => JsonDocument.Parse(File.ReadAllText(Path.Combine(DataDir, "home-broker.json"))).RootElement.Clone();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
