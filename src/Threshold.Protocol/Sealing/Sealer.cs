using System.Security.Cryptography;
using System.Text;
using Threshold.Protocol.Keys;

namespace Threshold.Protocol.Sealing;

/// <summary>
/// Seals secrets to a P-256 public key (DESIGN §5): ephemeral ECDH + HKDF-SHA256 + AES-256-GCM.
/// Wire: base64( 0x01 | ephemeral point (65) | nonce (12) | tag (16) | ciphertext ).
/// </summary>
public static class Sealer
{
    public const byte Version = 0x01;

    private const int PointLength = 65;
    private const int CoordinateLength = 32;
    private const int NonceLength = 12;
    private const int TagLength = 16;
    private const int KeyLength = 32;
    private const int HeaderLength = 1 + PointLength + NonceLength + TagLength;

    private static readonly byte[] Info = Encoding.ASCII.GetBytes("threshold/v1/seal");

    public static string Seal(ECDiffieHellman recipientPublic, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        ArgumentNullException.ThrowIfNull(recipientPublic);
        KeyEncoding.RequireP256(recipientPublic);

        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var output = new byte[HeaderLength + plaintext.Length];
        output[0] = Version;
        var ephemeralPoint = output.AsSpan(1, PointLength);
        var nonce = output.AsSpan(1 + PointLength, NonceLength);
        var tag = output.AsSpan(1 + PointLength + NonceLength, TagLength);
        var ciphertext = output.AsSpan(HeaderLength);

        WritePoint(ephemeral.ExportParameters(false), ephemeralPoint);
        RandomNumberGenerator.Fill(nonce);

        var key = DeriveKey(ephemeral, recipientPublic.PublicKey, ephemeralPoint, RecipientPoint(recipientPublic));
        try
        {
            using var aes = new AesGcm(key, TagLength);
            aes.Encrypt(nonce, plaintext, ciphertext, tag, associatedData);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        return Convert.ToBase64String(output);
    }

    /// <summary>Opens a sealed blob; any failure at all is <see cref="ProtocolException"/> with code <c>seal_invalid</c>.</summary>
    public static byte[] Open(ECDiffieHellman recipientPrivate, string sealedBase64, ReadOnlySpan<byte> associatedData)
    {
        ArgumentNullException.ThrowIfNull(recipientPrivate);
        KeyEncoding.RequireP256(recipientPrivate);

        var blob = Decode(sealedBase64);
        if (blob.Length < HeaderLength || blob[0] != Version)
        {
            throw Invalid("Sealed blob is truncated or has an unknown version.");
        }

        var ephemeralPoint = blob.AsSpan(1, PointLength);
        var nonce = blob.AsSpan(1 + PointLength, NonceLength);
        var tag = blob.AsSpan(1 + PointLength + NonceLength, TagLength);
        var ciphertext = blob.AsSpan(HeaderLength);

        byte[]? key = null;
        try
        {
            using var ephemeral = ImportPoint(ephemeralPoint);
            key = DeriveKey(recipientPrivate, ephemeral.PublicKey, ephemeralPoint, RecipientPoint(recipientPrivate));
            using var aes = new AesGcm(key, TagLength);
            var plaintext = new byte[ciphertext.Length];
            aes.Decrypt(nonce, ciphertext, tag, plaintext, associatedData);
            return plaintext;
        }
        catch (CryptographicException)
        {
            // Tag mismatch, off-curve point and wrong key all look the same to the caller, on purpose.
            throw Invalid("Sealed blob could not be opened.");
        }
        finally
        {
            if (key is not null)
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }
    }

    private static byte[] DeriveKey(
        ECDiffieHellman own, ECDiffieHellmanPublicKey peer, ReadOnlySpan<byte> ephemeralPoint, ReadOnlySpan<byte> recipientPoint)
    {
        var shared = own.DeriveRawSecretAgreement(peer);
        try
        {
            var salt = new byte[PointLength * 2];
            ephemeralPoint.CopyTo(salt);
            recipientPoint.CopyTo(salt.AsSpan(PointLength));
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, KeyLength, salt, Info);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    private static byte[] RecipientPoint(ECDiffieHellman key)
    {
        var point = new byte[PointLength];
        WritePoint(key.ExportParameters(false), point);
        return point;
    }

    private static void WritePoint(ECParameters parameters, Span<byte> destination)
    {
        // Uncompressed SEC1 encoding; coordinates are left-padded in case an export ever trims a leading zero.
        destination.Clear();
        destination[0] = 0x04;
        var x = parameters.Q.X!;
        var y = parameters.Q.Y!;
        x.CopyTo(destination.Slice(1 + CoordinateLength - x.Length, x.Length));
        y.CopyTo(destination.Slice(1 + (2 * CoordinateLength) - y.Length, y.Length));
    }

    private static ECDiffieHellman ImportPoint(ReadOnlySpan<byte> point)
    {
        if (point[0] != 0x04)
        {
            throw Invalid("Ephemeral key is not an uncompressed point.");
        }

        // Import validates that the point lies on P-256, which blocks invalid-curve attacks.
        return ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint
            {
                X = point.Slice(1, CoordinateLength).ToArray(),
                Y = point.Slice(1 + CoordinateLength, CoordinateLength).ToArray(),
            },
        });
    }

    private static byte[] Decode(string sealedBase64)
    {
        if (string.IsNullOrEmpty(sealedBase64))
        {
            throw Invalid("Sealed blob is empty.");
        }

        var buffer = new byte[sealedBase64.Length];
        return Convert.TryFromBase64String(sealedBase64, buffer, out var written)
            ? buffer[..written]
            : throw Invalid("Sealed blob is not valid base64.");
    }

    private static ProtocolException Invalid(string message) => new(ProtocolErrors.SealInvalid, message);
}
