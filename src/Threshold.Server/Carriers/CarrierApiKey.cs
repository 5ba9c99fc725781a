using System.Security.Cryptography;
using System.Text;

namespace Threshold.Server.Carriers;

/// <summary>
/// Carrier API keys: <c>thr_ck_{keyId}_{secret}</c>. The key id finds the row; only a SHA-256 of the
/// 256-bit secret is stored (a slow hash adds nothing for a secret this long).
/// </summary>
internal static class CarrierApiKey
{
    public const string Prefix = "thr_ck_";

    public static (string Key, string KeyId, string Hash) Create()
    {
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        // Hex, not base64url: no "_" or "-" inside the secret, so the key splits unambiguously and survives copy-paste.
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        return ($"{Prefix}{keyId}_{secret}", keyId, Hash(secret));
    }

    public static bool TryParse(string presented, out string keyId, out string secret)
    {
        keyId = secret = "";
        if (presented.Length > 128 || !presented.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = presented[Prefix.Length..];
        var split = rest.IndexOf('_', StringComparison.Ordinal);
        if (split != 16 || rest.Length - split - 1 < 20)
        {
            return false;
        }

        keyId = rest[..split];
        secret = rest[(split + 1)..];
        return true;
    }

    public static bool Matches(string secret, string storedHash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(secret)), Encoding.ASCII.GetBytes(storedHash));

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
