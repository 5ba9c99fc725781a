using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Threshold.Protocol.Keys;

namespace Threshold.Protocol.Jws;

/// <summary>The parts of a compact JWS whose encoding and header have been checked, signature not yet.</summary>
internal sealed record JwsParts(string? KeyId, byte[] SigningInput, byte[] Payload, byte[] Signature);

/// <summary>Hand-rolled ES256 compact JWS: the only algorithm accepted is fixed here, not taken from the token.</summary>
internal static class CompactJws
{
    public const string Algorithm = "ES256";

    // IEEE P1363 r||s for P-256.
    private const int SignatureLength = 64;

    public static string Sign(ECDsa key, string? keyId, string type, ReadOnlySpan<byte> payloadJson)
    {
        KeyEncoding.RequireP256(key);
        var header = WriteHeader(keyId, type);
        var signingInput = Base64Url.EncodeToString(header) + "." + Base64Url.EncodeToString(payloadJson);
        var signature = key.SignData(
            Encoding.ASCII.GetBytes(signingInput),
            HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>Checks shape, encoding and header; returns a refusal code or null.</summary>
    public static string? TryParse(string? token, int maxLength, string expectedType, out JwsParts? parts)
    {
        parts = null;
        if (string.IsNullOrEmpty(token) || token.Length > maxLength)
        {
            return ProtocolErrors.Malformed;
        }

        var segments = token.Split('.');
        if (segments.Length != 3
            || !TryDecodeSegment(segments[0], allowEmpty: false, out var headerBytes)
            || !TryDecodeSegment(segments[1], allowEmpty: false, out var payload)
            || !TryDecodeSegment(segments[2], allowEmpty: true, out var signature))
        {
            return ProtocolErrors.Malformed;
        }

        var error = CheckHeader(headerBytes, expectedType, out var keyId);
        if (error is not null)
        {
            return error;
        }

        var signingInput = Encoding.ASCII.GetBytes(token, 0, segments[0].Length + 1 + segments[1].Length);
        parts = new JwsParts(keyId, signingInput, payload, signature);
        return null;
    }

    public static bool VerifySignature(ECDsa key, JwsParts parts)
    {
        if (parts.Signature.Length != SignatureLength)
        {
            return false;
        }

        try
        {
            return key.VerifyData(
                parts.SigningInput,
                parts.Signature,
                HashAlgorithmName.SHA256,
                DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            // Verifiers report, they do not throw.
            return false;
        }
    }

    private static string? CheckHeader(byte[] headerBytes, string expectedType, out string? keyId)
    {
        keyId = null;
        try
        {
            using var doc = JsonDocument.Parse(headerBytes);
            var header = doc.RootElement;
            if (!Json.IsObjectWithUniqueNames(header) || !header.TryGetProperty("alg", out var alg))
            {
                return ProtocolErrors.Malformed;
            }

            // The algorithm is decided here, before any key is touched: "none", HS256 and friends never reach a verifier.
            if (alg.ValueKind != JsonValueKind.String || !alg.ValueEquals(Algorithm))
            {
                return ProtocolErrors.AlgNotAllowed;
            }

            // We understand no extensions, so any "crit" must be refused (RFC 7515 §4.1.11).
            if (header.TryGetProperty("crit", out _))
            {
                return ProtocolErrors.Malformed;
            }

            if (!header.TryGetProperty("typ", out var typ) || typ.ValueKind != JsonValueKind.String)
            {
                return ProtocolErrors.Malformed;
            }

            if (!typ.ValueEquals(expectedType))
            {
                return ProtocolErrors.WrongType;
            }

            if (header.TryGetProperty("kid", out var kid))
            {
                if (kid.ValueKind != JsonValueKind.String)
                {
                    return ProtocolErrors.Malformed;
                }

                keyId = kid.GetString();
            }

            return null;
        }
        catch (JsonException)
        {
            return ProtocolErrors.Malformed;
        }
    }

    private static byte[] WriteHeader(string? keyId, string type)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("alg", Algorithm);
            if (keyId is not null)
            {
                writer.WriteString("kid", keyId);
            }

            writer.WriteString("typ", type);
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    // Only canonical unpadded base64url: padding, whitespace or stray low bits would let one token have many spellings.
    // An empty signature is let through so an "alg":"none" token is refused for its alg, not its shape.
    private static bool TryDecodeSegment(string segment, bool allowEmpty, out byte[] bytes)
    {
        bytes = [];
        if (segment.Length == 0)
        {
            return allowEmpty;
        }

        // TryDecodeFromChars throws (rather than returning false) on some invalid input, so validate first.
        if (!Base64Url.IsValid(segment, out var decodedLength))
        {
            return false;
        }

        bytes = new byte[decodedLength];
        return Base64Url.TryDecodeFromChars(segment, bytes, out var written)
            && written == decodedLength
            && string.Equals(Base64Url.EncodeToString(bytes), segment, StringComparison.Ordinal);
    }
}
