using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Threshold.Simulator;

/// <summary>
/// Standalone run: <c>dotnet run --project src/Threshold.Simulator -- --mqtt-host 127.0.0.1 --mqtt-port 1884
/// --control http://127.0.0.1:5090</c>. The MQTT password may come from THRESHOLD_SIM_MQTT_PASSWORD so it
/// stays out of the process list.
/// </summary>
internal static class Program
{
    private const string Usage = """
        Threshold simulator: a zigbee2mqtt lock + door contact sensor.
          --mqtt-host <host>        broker host (127.0.0.1)
          --mqtt-port <port>        broker port (1883)
          --mqtt-user <name>        broker user name (password: THRESHOLD_SIM_MQTT_PASSWORD)
          --base-topic <topic>      zigbee2mqtt base topic (zigbee2mqtt)
          --lock <name>             lock friendly name (front_door_lock)
          --contact <name>          contact sensor friendly name (front_door_contact)
          --slots <n>               PIN slots (30)
          --actuation-ms <ms>       bolt motor time (20)
          --control <url>           HTTP control surface, e.g. http://127.0.0.1:5090
          --retain true             retain device state (zigbee2mqtt's retain option)
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(Usage);
            return 0;
        }

        SimulatorOptions options;
        try
        {
            options = Parse(new ConfigurationBuilder().AddCommandLine(args).Build());
            options.Validate();
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync(e.Message + Environment.NewLine + Usage);
            return 2;
        }

        // Per-request ASP.NET Core logs would drown the device events a tester is watching.
        using var loggerFactory = LoggerFactory.Create(b => b
            .AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            }));
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });

        await using var home = await SimulatedHome.StartAsync(options, TimeProvider.System, loggerFactory, stop.Token);
        if (home.ControlUrl is { } url)
        {
            Console.WriteLine($"Control surface: {url}");
        }

        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM: dispose announces bridge offline and disconnects cleanly.
        }

        return 0;
    }

    private static SimulatorOptions Parse(IConfiguration c)
    {
        static int Int(string? value, int fallback) => value is null ? fallback : int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
        var defaults = new SimulatorOptions();
        var control = c["control"];
        return new SimulatorOptions
        {
            MqttHost = c["mqtt-host"] ?? defaults.MqttHost,
            MqttPort = Int(c["mqtt-port"], defaults.MqttPort),
            MqttUsername = c["mqtt-user"],
            MqttPassword = Environment.GetEnvironmentVariable("THRESHOLD_SIM_MQTT_PASSWORD"),
            BaseTopic = c["base-topic"] ?? defaults.BaseTopic,
            LockName = c["lock"] ?? defaults.LockName,
            ContactName = c["contact"] ?? defaults.ContactName,
            SlotCount = Int(c["slots"], defaults.SlotCount),
            ActuationDelay = TimeSpan.FromMilliseconds(Int(c["actuation-ms"], (int)defaults.ActuationDelay.TotalMilliseconds)),
            ControlUrl = control is null ? null : new Uri(control, UriKind.Absolute),
            RetainState = c["retain"] is { } retain && bool.Parse(retain),
        };
    }
}
