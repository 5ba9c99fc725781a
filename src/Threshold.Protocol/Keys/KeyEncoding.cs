using System.Buffers.Text;
using System.Security.Cryptography;

namespace Threshold.Protocol.Keys;

/// <summary>P-256 public keys on the wire: base64 SubjectPublicKeyInfo, plus a stable key id.</summary>
public static class KeyEncoding
{
    private const string P256Oid = "1.2.840.10045.3.1.7";

    // A P-256 SPKI is 91 bytes; anything far larger is not worth decoding.
    private const int MaxSpkiBase64Length = 1024;

    public static string ExportPublicSpki(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        RequireP256(key);
        return Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
    }

    public static string ExportPublicSpki(ECDiffieHellman key)
    {
        ArgumentNullException.ThrowIfNull(key);
        RequireP256(key);
        return Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());
    }

    public static ECDsa ImportEcdsaPublicSpki(string base64) => Import(base64, ECDsa.Create);

    public static ECDiffieHellman ImportEcdhPublicSpki(string base64) => Import(base64, ECDiffieHellman.Create);

    /// <summary>base64url of the first 16 bytes of SHA-256 over the SPKI bytes.</summary>
    public static string KeyId(string spkiBase64)
    {
        var spki = DecodeSpki(spkiBase64);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(spki, hash);
        return Base64Url.EncodeToString(hash[..16]);
    }

    public static string KeyId(ECDsa key) => KeyId(ExportPublicSpki(key));

    public static string KeyId(ECDiffieHellman key) => KeyId(ExportPublicSpki(key));

    /// <summary>True only for the named NIST P-256 curve (explicit curve parameters are refused).</summary>
    public static bool IsP256(AsymmetricAlgorithm key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var curve = key switch
        {
            ECDsa ecdsa => ecdsa.ExportParameters(false).Curve,
            ECDiffieHellman ecdh => ecdh.ExportParameters(false).Curve,
            _ => default,
        };
        return curve.IsNamed
            && (curve.Oid.Value == P256Oid || curve.Oid.FriendlyName is "nistP256" or "ECDSA_P256" or "ECDH_P256");
    }

    internal static void RequireP256(AsymmetricAlgorithm key)
    {
        if (!IsP256(key))
        {
            throw new ProtocolException(ProtocolErrors.InvalidKey, "Only P-256 keys are supported.");
        }
    }

    private static T Import<T>(string base64, Func<T> create)
        where T : AsymmetricAlgorithm
    {
        var spki = DecodeSpki(base64);
        var key = create();
        try
        {
            key.ImportSubjectPublicKeyInfo(spki, out var read);
            if (read != spki.Length)
            {
                throw new ProtocolException(ProtocolErrors.InvalidKey, "Trailing bytes after the public key.");
            }

            RequireP256(key);
            return key;
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            throw new ProtocolException(ProtocolErrors.InvalidKey, $"Not a valid EC public key: {ex.Message}");
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private static byte[] DecodeSpki(string base64)
    {
        if (string.IsNullOrEmpty(base64) || base64.Length > MaxSpkiBase64Length)
        {
            throw new ProtocolException(ProtocolErrors.InvalidKey, "Public key is empty or too long.");
        }

        var buffer = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, buffer, out var written))
        {
            throw new ProtocolException(ProtocolErrors.InvalidKey, "Public key is not valid base64.");
        }

        return buffer[..written];
    }
}
