using System.ComponentModel.DataAnnotations;

namespace Threshold.Server.Hubs;

internal sealed class MqttOptions
{
    public const string Section = "Threshold:Mqtt";

    /// <summary>Run the MQTT broker inside the server (default); false = use an external broker.</summary>
    public bool Embedded { get; set; } = true;

    /// <summary>Where the server's own client connects (and where the embedded broker listens).</summary>
    [Required]
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>0 = any free port (tests).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 1883;

    /// <summary>Host name hubs are told to connect to; defaults to <see cref="Host"/>.</summary>
    public string? PublicHost { get; set; }

    /// <summary>Server identity on an external broker (the embedded one generates its own per start).</summary>
    public string ServerUsername { get; set; } = "threshold-server";

    public string? ServerPassword { get; set; }

    /// <summary>How hub accounts reach an external broker: <c>DynamicSecurity</c> (mosquitto) or <c>None</c>.</summary>
    public BrokerProvisioning Provisioning { get; set; } = BrokerProvisioning.None;

    /// <summary>How long an unlock/lock waits for the hub's confirmation.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Lifetime of a signed command (at most 60 s, DESIGN §5).</summary>
    public TimeSpan CommandLifetime { get; set; } = TimeSpan.FromSeconds(30);
}
