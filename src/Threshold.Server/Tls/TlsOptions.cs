namespace Threshold.Server.Tls;

/// <summary>The server's TLS certificate (HTTPS and the hub broker) and what plain HTTP may still do.</summary>
internal sealed class TlsOptions
{
    public const string Section = "Threshold:Tls";

    /// <summary>The operator's certificate (PEM); unset = one the server makes at first start in its data directory (tls/).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The private key of <see cref="CertificatePath"/> (PEM); unset = the certificate file holds it too.</summary>
    public string? KeyPath { get; set; }

    /// <summary>Extra DNS names or IP addresses for a generated certificate (besides localhost and the loopback addresses).</summary>
    public List<string> HostNames { get; set; } = [];

    /// <summary>
    /// Answer plain-HTTP requests from other machines (behind a TLS-terminating proxy on another host); by default plain
    /// HTTP is served to loopback clients only, so passwords and tokens never cross a network in the clear.
    /// </summary>
    public bool AllowRemotePlainHttp { get; set; }
}
