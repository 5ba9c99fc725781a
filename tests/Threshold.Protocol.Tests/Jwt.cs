using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Threshold.Protocol.Tests;

/// <summary>Crafts tokens independently of the production code, so tests do not trust what they test.</summary>
internal static class Jwt
{
    public static string B64(byte[] bytes) => Base64Url.EncodeToString(bytes);

    public static string B64(string json) => B64(Encoding.UTF8.GetBytes(json));

    public static string Json(object value) => JsonSerializer.Serialize(value);

    public static string Es256(ECDsa key, string headerJson, string payloadJson)
    {
        var input = B64(headerJson) + "." + B64(payloadJson);
        var signature = key.SignData(
            Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return input + "." + B64(signature);
    }

    public static string Hs256(byte[] secret, string headerJson, string payloadJson)
    {
        var input = B64(headerJson) + "." + B64(payloadJson);
        return input + "." + B64(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(input)));
    }

    public static string Unsigned(string headerJson, string payloadJson) => B64(headerJson) + "." + B64(payloadJson) + ".";

    public static JsonElement Part(string token, int index) =>
        JsonDocument.Parse(Base64Url.DecodeFromChars(token.Split('.')[index])).RootElement;

    /// <summary>Changes one character well inside a segment (never the last, whose low bits may be unused).</summary>
    public static string FlipChar(string token, int segment)
    {
        var parts = token.Split('.');
        var chars = parts[segment].ToCharArray();
        var i = chars.Length / 2;
        chars[i] = chars[i] == 'A' ? 'B' : 'A';
        parts[segment] = new string(chars);
        return string.Join('.', parts);
    }
}
