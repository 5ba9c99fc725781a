using System.Security.Cryptography;
using System.Text;

namespace Threshold.Server.Webhooks;

/// <summary>
/// The Standard Webhooks signature (docs/webhooks.md): <c>webhook-signature: v1,&lt;base64 HMAC-SHA256 of
/// "{webhook-id}.{webhook-timestamp}.{body}"&gt;</c>, keyed with the bytes of the endpoint's <c>whsec_</c> secret.
/// </summary>
internal static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";

    /// <summary>A new endpoint secret: 32 random bytes, base64, after the usual prefix.</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static string Sign(string secret, string webhookId, long timestamp, string body)
    {
        var key = Convert.FromBase64String(secret[SecretPrefix.Length..]);
        var content = Encoding.UTF8.GetBytes($"{webhookId}.{timestamp}.{body}");
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }
}
