using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Threshold.Protocol.Pairing;

namespace Threshold.Hub.Pairing;

/// <summary>
/// What the hub accepts to pair over and to connect by (docs/hub-protocol.md "Pairing"): plain HTTP or plain MQTT only to
/// loopback, unless the owner's pairing string anchors the answer; a broker certificate only by its pinned fingerprint.
/// </summary>
public static class PairingTransport
{
    /// <summary>Refusal code: plain HTTP to another machine without the pairing string.</summary>
    public const string PlainHttpNeedsPairingString = "pairing_string_required";

    /// <summary>Refusal code: the answer offers plain MQTT to another machine.</summary>
    public const string PlainMqttRefused = "plain_mqtt_refused";

    /// <summary>Refusal code: the server URL is not http(s).</summary>
    public const string BadServerUrl = "bad_server_url";

    /// <summary><c>localhost</c> or a loopback address: traffic that never leaves this machine.</summary>
    public static bool IsLoopbackHost(string? host)
    {
        if (string.IsNullOrWhiteSpace(host))
        {
            return false;
        }

        var bare = host.Trim().Trim('[', ']');
        return string.Equals(bare, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(bare, out var ip) && IPAddress.IsLoopback(ip));
    }

    /// <summary>
    /// Why pairing with <paramref name="server"/> is refused before anything is sent (null: it may go ahead). Over plain
    /// HTTP to another machine whoever is on the path could answer with its own command-signing key; only the
    /// fingerprints of the <paramref name="anchor"/> let the hub tell.
    /// </summary>
    public static (string Code, string Message)? RefusalBeforePairing(Uri server, PairingString? anchor)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (!server.IsAbsoluteUri || (server.Scheme != Uri.UriSchemeHttp && server.Scheme != Uri.UriSchemeHttps))
        {
            return (BadServerUrl, $"The server URL must start with https:// or http://, not '{server}'.");
        }

        if (server.Scheme == Uri.UriSchemeHttp && anchor is null && !IsLoopbackHost(server.Host))
        {
            return (PlainHttpNeedsPairingString,
                $"Pairing over plain HTTP with {server.Host} needs the pairing string (--pairing thr1:…) the owner's app shows, "
                + "or an https:// URL: otherwise anyone on the path could hand this hub its own keys.");
        }

        return null;
    }

    /// <summary>Whether <paramref name="certificate"/> is the one pinned by <paramref name="fingerprint"/>; its chain, names and dates do not matter.</summary>
    public static bool IsPinned(X509Certificate? certificate, string fingerprint) =>
        certificate is not null && string.Equals(Fingerprint.OfCertificate(certificate), fingerprint, StringComparison.Ordinal);

    /// <summary>
    /// The HTTP client <c>pair</c> uses: a server certificate is accepted if it is valid the usual way (a CA's) or is the one
    /// the pairing string pins (the server's own, self-signed).
    /// </summary>
    public static HttpClient CreateHttpClient(PairingString? anchor) => new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None || (anchor is not null && IsPinned(certificate, anchor.CertificateFingerprint)),
        },
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };
}
