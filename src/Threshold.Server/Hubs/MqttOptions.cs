using System.ComponentModel.DataAnnotations;

namespace Threshold.Server.Hubs;

internal sealed class MqttOptions
{
    public const string Section = "Threshold:Mqtt";

    /// <summary>Run the MQTT broker inside the server (default); false = use an external broker.</summary>
    public bool Embedded { get; set; } = true;

    /// <summary>
    /// Where the server's own client connects, and where the embedded broker's plain-MQTT endpoint listens: loopback
    /// unless configured otherwise, since plain MQTT shows passwords and door state to the path.
    /// </summary>
    [Required]
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>0 = any free port (tests).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 1883;

    /// <summary>
    /// Hubs speak MQTT over TLS with the server's certificate (Tls/ServerCertificate.cs), which they pin at pairing; the
    /// embedded broker then admits hubs only there. False: plain MQTT on <see cref="Port"/>, which hubs accept only on loopback.
    /// With an external broker, true means it serves that same certificate on <see cref="TlsPort"/>.
    /// </summary>
    public bool Tls { get; set; } = true;

    /// <summary>Where the embedded broker's TLS endpoint listens (all IPv4 interfaces by default).</summary>
    [Required]
    public string TlsHost { get; set; } = "0.0.0.0";

    /// <summary>The MQTT-over-TLS port; 0 = any free port (tests).</summary>
    [Range(0, 65535)]
    public int TlsPort { get; set; } = 8883;

    /// <summary>
    /// Host name hubs are told to connect to; defaults to the host the hub reached the server's HTTP API by (over TLS),
    /// or <see cref="Host"/> for plain MQTT.
    /// </summary>
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
