using System.Security.Cryptography;
using System.Text;

namespace Threshold.Server.Tests.Webhooks;

/// <summary>
/// The receiver's check exactly as docs/webhooks.md documents it (keep the two the same), written here independently
/// of the server's signer so a change to either is caught.
/// </summary>
public static class StandardWebhooksVerifier
{
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public static bool Verify(string secret, string? id, string? timestamp, string? signatures, string body, DateTimeOffset now)
    {
        if (id is null || timestamp is null || signatures is null || !secret.StartsWith("whsec_", StringComparison.Ordinal))
        {
            return false;
        }

        // A timestamp far from now is a replay (or a clock problem): refuse it even if correctly signed.
        if (!long.TryParse(timestamp, out var seconds) || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > Tolerance)
        {
            return false;
        }

        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var expected = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}"));
        foreach (var signature in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = signature.Split(',', 2);
            var given = new byte[parts.Length == 2 ? parts[1].Length : 0];
            if (parts is ["v1", var value] && Convert.TryFromBase64String(value, given, out var n)
                && CryptographicOperations.FixedTimeEquals(given.AsSpan(0, n), expected))
            {
                return true;
            }
        }

        return false;
    }
}
