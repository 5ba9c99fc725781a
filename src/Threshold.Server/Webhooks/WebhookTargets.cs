using Microsoft.AspNetCore.Http.HttpResults;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Webhooks;

/// <summary>
/// Where the server may send a webhook. A carrier's URL must not become a way to reach the network the server runs in
/// (its router, a metadata service, the broker on loopback), so private, loopback and link-local targets are refused:
/// at registration when the URL names such an address or host, and again at every connection, on the address DNS
/// resolved to (src/Threshold.Server/Infrastructure/OutboundGuard.cs), so a name that later resolves inward (DNS
/// rebinding) still gets nowhere. Redirects are never followed
/// (<see cref="WebhookDispatcher"/>). <see cref="WebhookOptions.AllowPrivateTargets"/> turns all of this off.
/// </summary>
internal static class WebhookTargets
{
    public const int MaxUrlLength = 2000;

    /// <summary>The URL as it will be called, or the problem with it.</summary>
    public static ProblemHttpResult? Validate(string? text, bool allowPrivate, out Uri url)
    {
        url = null!;
        if (text is null)
        {
            return Problems.Invalid("missing_field", "'url' is required.", "url");
        }

        if (text.Length > MaxUrlLength || !Uri.TryCreate(text, UriKind.Absolute, out var parsed) || parsed.IsFile || parsed.IsUnc
            || string.IsNullOrEmpty(parsed.Host) || parsed.Fragment.Length > 0 || parsed.AbsoluteUri.Length > MaxUrlLength)
        {
            return Problems.Invalid("invalid_url", $"'url' must be an absolute https URL of at most {MaxUrlLength} characters, without a fragment.", "url");
        }

        if (parsed.Scheme != Uri.UriSchemeHttps && !(allowPrivate && parsed.Scheme == Uri.UriSchemeHttp))
        {
            return Problems.Invalid("invalid_url", "'url' must use https.", "url");
        }

        if (parsed.UserInfo.Length > 0)
        {
            // Credentials in a URL end up in logs and listings; endpoints authenticate us by the signature instead.
            return Problems.Invalid("invalid_url", "'url' must not carry a user name or password.", "url");
        }

        if (!allowPrivate && OutboundGuard.NamesPrivateTarget(parsed))
        {
            return Problems.Invalid("private_target", "'url' points at a private, loopback or link-local address.", "url");
        }

        url = parsed;
        return null;
    }
}
