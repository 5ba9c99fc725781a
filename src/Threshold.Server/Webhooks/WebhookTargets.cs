using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http.HttpResults;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Webhooks;

/// <summary>
/// Where the server may send a webhook. A carrier's URL must not become a way to reach the network the server runs in
/// (its router, a metadata service, the broker on loopback), so private, loopback and link-local targets are refused:
/// at registration when the URL names such an address or host, and again at every connection, on the address DNS
/// resolved to, so a name that later resolves inward (DNS rebinding) still gets nowhere. Redirects are never followed
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

        if (!allowPrivate && NamesPrivateTarget(parsed))
        {
            return Problems.Invalid("private_target", "'url' points at a private, loopback or link-local address.", "url");
        }

        url = parsed;
        return null;
    }

    /// <summary>True for a URL whose host is such an address, or a name that is one by definition.</summary>
    public static bool NamesPrivateTarget(Uri url)
    {
        var host = url.IdnHost.TrimEnd('.');
        if (IPAddress.TryParse(url.HostNameType == UriHostNameType.IPv6 ? host.Trim('[', ']') : host, out var address))
        {
            return IsPrivate(address);
        }

        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".local", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".internal", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Not a public unicast address: loopback, private, link-local, CGNAT, unspecified, multicast, reserved.</summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] is 0 or 10 or 127 or >= 224
                || (b[0] == 100 && b[1] is >= 64 and <= 127)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 172 && b[1] is >= 16 and <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2)
                || (b[0] == 198 && b[1] is 18 or 19);
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return true;
        }

        var v6 = address.GetAddressBytes();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal
            || address.IsIPv6Multicast || (v6[0] & 0xFE) == 0xFC)
        {
            return true;
        }

        // Addresses that embed an IPv4 one (NAT64 64:ff9b::/96, 6to4 2002::/16) are as private as what they embed.
        if (v6[0] == 0x00 && v6[1] == 0x64 && v6[2] == 0xFF && v6[3] == 0x9B)
        {
            return IsPrivate(new IPAddress(v6.AsSpan(12, 4)));
        }

        return v6[0] == 0x20 && v6[1] == 0x02 && IsPrivate(new IPAddress(v6.AsSpan(2, 4)));
    }

    /// <summary>
    /// The dispatcher's connect step: resolves the host, refuses if any address it resolved to is private (a name
    /// answering with a mix is not trusted), and connects to exactly the address it checked.
    /// </summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> Connect(bool allowPrivate) => async (context, ct) =>
    {
        var endpoint = context.DnsEndPoint;
        var addresses = IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, ct);
        if (addresses.Length == 0)
        {
            throw new WebhookTargetRefusedException("the host resolved to no address");
        }

        if (!allowPrivate && addresses.Any(IsPrivate))
        {
            throw new WebhookTargetRefusedException("the host resolved to a private, loopback or link-local address");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endpoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    };
}

/// <summary>A send refused before any connection because of where the URL leads.</summary>
internal sealed class WebhookTargetRefusedException(string reason) : Exception("Webhook target refused: " + reason);
