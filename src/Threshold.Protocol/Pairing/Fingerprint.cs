using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Threshold.Protocol.Pairing;

/// <summary>
/// What a pairing pins (docs/hub-protocol.md "Pairing"): the SHA-256 of a command-signing key's SPKI bytes, and of a TLS
/// certificate's DER bytes (what <c>openssl x509 -fingerprint -sha256</c> and browsers show). On the wire base64url
/// without padding (43 characters); <see cref="ToDisplay"/> is the colon-separated hex people compare by eye.
/// </summary>
public static class Fingerprint
{
    /// <summary>The length of a fingerprint on the wire.</summary>
    public const int Length = 43;

    public static string OfSpki(string spkiBase64)
    {
        ArgumentNullException.ThrowIfNull(spkiBase64);
        byte[] spki;
        try
        {
            spki = Convert.FromBase64String(spkiBase64);
        }
        catch (FormatException)
        {
            throw new ProtocolException(ProtocolErrors.InvalidKey, "The key is not base64.");
        }

        return Base64Url.EncodeToString(SHA256.HashData(spki));
    }

    public static string OfCertificate(X509Certificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Base64Url.EncodeToString(certificate.GetCertHash(HashAlgorithmName.SHA256));
    }

    /// <summary>Whether <paramref name="text"/> is a fingerprint as the wire spells it (base64url of 32 bytes, no padding).</summary>
    public static bool IsWellFormed(string? text)
    {
        if (text is not { Length: Length })
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[SHA256.HashSizeInBytes + 1];
        try
        {
            // The last character carries 2 unused bits; only the canonical spelling (those bits zero) counts.
            return Base64Url.TryDecodeFromChars(text, bytes, out var written) && written == SHA256.HashSizeInBytes
                && Base64Url.EncodeToString(bytes[..written]) == text;
        }
        catch (FormatException)
        {
            // TryDecode throws rather than answers false for some malformed input (non-canonical last character).
            return false;
        }
    }

    /// <summary>Upper-case hex pairs separated by colons, e.g. <c>3A:7F:…</c>.</summary>
    public static string ToDisplay(string fingerprint)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        return string.Join(':', Convert.ToHexString(Base64Url.DecodeFromChars(fingerprint)).Chunk(2).Select(c => new string(c)));
    }
}
