using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Threshold.Hub;
using Threshold.Hub.Pairing;
using Threshold.Hub.Storage;

const string Usage = """
    Usage:
      threshold-hub pair --server URL --pairing PAIRING-STRING [--name NAME] [--data DIR] [--force]
      threshold-hub pair --server URL --code CODE ...   (a bare code: only to loopback or https://)
      threshold-hub run [--data DIR] [--Hub:Zigbee:Host HOST ...]
    Settings (appsettings.json, environment Hub__..., or --Hub:...=value):
      Hub:Zigbee:Host, Port, Username, Password, BaseTopic (zigbee2mqtt), LockDevice (front_door_lock), ContactDevice (front_door_contact)
      Hub:Relock:AfterCloseSeconds (5), MaxUnlockedSeconds (30), DoorHeldOpenSeconds (60), LockedWhileOpenSeconds (3); Hub:ClockSkewSeconds (5)
      Hub:HomeBrokerCheck:Enabled (true), IntervalMinutes (60), ProbeTimeoutSeconds (3) — docs/home-broker.md
    """;

var command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : null;
var rest = command is null ? args : args[1..];
var flags = ParseFlags(rest, out var remaining);
var dataDirectory = flags.GetValueOrDefault("data") ?? Environment.GetEnvironmentVariable("Hub__DataDirectory") ?? HubSettings.DefaultDataDirectory();

switch (command)
{
    case "pair":
        return await PairAsync();
    case "run":
        return await RunAsync();
    case null when HubDataDirectory.IsPaired(dataDirectory):
        return await RunAsync();
    default:
        await Console.Error.WriteLineAsync(command is null or "help" or "--help" ? Usage : $"Unknown command '{command}'.\n{Usage}");
        return 2;
}

async Task<int> PairAsync()
{
    if (flags.GetValueOrDefault("server") is not { Length: > 0 } server
        || (flags.GetValueOrDefault("pairing") ?? flags.GetValueOrDefault("code")) is not { Length: > 0 } secret)
    {
        await Console.Error.WriteLineAsync(Usage);
        return 2;
    }

    var name = flags.GetValueOrDefault("name") ?? Environment.MachineName;
    try
    {
        // The pairing string also pins the server's own (self-signed) HTTPS certificate.
        using var http = PairingTransport.CreateHttpClient(PairingAnchor.Read(secret));
        var identity = await HubPairing.PairAsync(http, server, secret, name, dataDirectory, CancellationToken.None, flags.ContainsKey("force"));
        Console.WriteLine($"Paired as hub {identity.HubId} of home {identity.HomeId} ({identity.Locks.Count} lock(s)). Data: {Path.GetFullPath(dataDirectory)}");
        Console.WriteLine(identity.Mqtt.CertificateSha256 is { } pin
            ? $"Server broker {identity.Mqtt.Host}:{identity.Mqtt.Port}, MQTT over TLS, certificate pinned (SHA-256 {Threshold.Protocol.Pairing.Fingerprint.ToDisplay(pin)})."
            : $"Server broker {identity.Mqtt.Host}:{identity.Mqtt.Port}, plain MQTT (loopback only).");
        return 0;
    }
    catch (HubPairingException e)
    {
        await Console.Error.WriteLineAsync($"Pairing failed ({e.Code}): {e.Message}");
        return 1;
    }
    catch (HttpRequestException e)
    {
        await Console.Error.WriteLineAsync($"Pairing failed: cannot reach {server}: {e.Message}");
        return 1;
    }
}

async Task<int> RunAsync()
{
    var configuration = new ConfigurationBuilder()
        .SetBasePath(AppContext.BaseDirectory)
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .AddCommandLine(remaining)
        .Build();
    var settings = new HubSettings();
    configuration.GetSection(HubSettings.Section).Bind(settings);
    settings.DataDirectory = dataDirectory;
    if (!HubDataDirectory.IsPaired(dataDirectory))
    {
        await Console.Error.WriteLineAsync($"The hub in '{Path.GetFullPath(dataDirectory)}' is not paired; run 'pair' first.");
        return 1;
    }

    var invalid = new HubSettingsValidator().Validate(null, settings);
    if (invalid.Failed)
    {
        await Console.Error.WriteLineAsync("Invalid settings: " + invalid.FailureMessage);
        return 1;
    }

    using var stop = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.Cancel();
    };
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
    {
        context.Cancel = true;
        stop.Cancel();
    });
    using var host = HubHost.Build(settings, services => services.AddLogging(b =>
    {
        b.AddConfiguration(configuration.GetSection("Logging"));
        b.AddSimpleConsole(o => o.SingleLine = true);
        b.SetMinimumLevel(LogLevel.Information);
    }));
    try
    {
        await host.RunAsync(stop.Token);
        return 0;
    }
    catch (Microsoft.Extensions.Options.OptionsValidationException e)
    {
        await Console.Error.WriteLineAsync("Invalid settings: " + string.Join("; ", e.Failures));
        return 1;
    }
}

static Dictionary<string, string?> ParseFlags(string[] input, out string[] unparsed)
{
    var known = new HashSet<string>(["server", "pairing", "code", "name", "data", "force"], StringComparer.Ordinal);
    var result = new Dictionary<string, string?>(StringComparer.Ordinal);
    var other = new List<string>();
    for (var i = 0; i < input.Length; i++)
    {
        var arg = input[i];
        var key = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..] : null;
        if (key is not null && known.Contains(key))
        {
            if (key == "force")
            {
                result[key] = "true";
            }
            else if (i + 1 < input.Length)
            {
                result[key] = input[++i];
            }
        }
        else
        {
            other.Add(arg);
        }
    }

    unparsed = [.. other];
    return result;
}
