using System.Security.Cryptography;
using System.Text;

namespace Threshold.Server.Hubs;

/// <summary>Random one-time secrets (pairing codes, MQTT passwords) and their stored hashes.</summary>
internal static class Secrets
{
    // Crockford base32 without look-alikes, so a code read aloud or typed survives.
    private const string Alphabet = "ABCDEFGHJKMNPQRSTVWXYZ23456789";

    public static string PairingCode()
    {
        var chars = RandomNumberGenerator.GetItems<char>(Alphabet, 12);
        return $"{new string(chars, 0, 4)}-{new string(chars, 4, 4)}-{new string(chars, 8, 4)}";
    }

    public static string NormalisePairingCode(string code) => code.Trim().ToUpperInvariant().Replace("-", "", StringComparison.Ordinal);

    public static string Password() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool Matches(string secret, string hash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(secret)), Encoding.ASCII.GetBytes(hash));
}
