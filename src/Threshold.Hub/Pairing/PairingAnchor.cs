using Threshold.Protocol;
using Threshold.Protocol.Pairing;

namespace Threshold.Hub.Pairing;

/// <summary>
/// Holds a pairing answer to the owner's pairing string: every key the answer would have the hub trust must be the
/// signing key the string names, and the broker certificate the one it names. A mismatch means someone on the path
/// answered in the server's place; the hub then stores nothing.
/// </summary>
public static class PairingAnchor
{
    /// <summary>Refusal code: a server key in the answer is not the one in the pairing string.</summary>
    public const string ServerKeyMismatch = "server_key_mismatch";

    /// <summary>Refusal code: the answer's broker certificate is not the one in the pairing string.</summary>
    public const string CertificateMismatch = "certificate_mismatch";

    /// <summary>The pairing string in <paramref name="codeOrPairingString"/>, or null for a bare code; a malformed string is refused.</summary>
    public static PairingString? Read(string codeOrPairingString)
    {
        if (!PairingString.LooksLikeOne(codeOrPairingString))
        {
            return null;
        }

        try
        {
            return PairingString.Parse(codeOrPairingString);
        }
        catch (ProtocolException e)
        {
            throw new HubPairingException(e.Code, e.Message);
        }
    }

    /// <summary>Throws <see cref="HubPairingException"/> unless the answer is one the hub may keep.</summary>
    public static void Check(PairingResponse identity, PairingString? anchor)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (anchor is not null)
        {
            foreach (var key in identity.ServerKeys)
            {
                if (!string.Equals(Fingerprint.OfSpki(key.Spki), anchor.SigningKeyFingerprint, StringComparison.Ordinal))
                {
                    throw new HubPairingException(ServerKeyMismatch,
                        $"The server's answer asks this hub to trust command-signing key '{key.Kid}', which is not the key in the pairing string "
                        + $"(SHA-256 {Fingerprint.ToDisplay(anchor.SigningKeyFingerprint)}): someone on the path may have answered in the server's place. Nothing was stored.");
                }
            }

            if (identity.Mqtt.CertificateSha256 is { } certificate
                && !string.Equals(certificate, anchor.CertificateFingerprint, StringComparison.Ordinal))
            {
                throw new HubPairingException(CertificateMismatch,
                    "The server's answer names a broker certificate that is not the one in the pairing string "
                    + $"(SHA-256 {Fingerprint.ToDisplay(anchor.CertificateFingerprint)}): someone on the path may have answered in the server's place. Nothing was stored.");
            }
        }

        if (!identity.Mqtt.Tls && !PairingTransport.IsLoopbackHost(identity.Mqtt.Host))
        {
            throw new HubPairingException(PairingTransport.PlainMqttRefused,
                $"The server's answer offers plain MQTT to {identity.Mqtt.Host}; the hub speaks MQTT to another machine only over TLS. Nothing was stored.");
        }
    }
}
