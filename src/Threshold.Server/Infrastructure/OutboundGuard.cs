using System.Net;
using System.Net.Sockets;

namespace Threshold.Server.Infrastructure;

/// <summary>
/// Keeps the server's calls to addresses someone else chose (carriers' webhook URLs, browsers' push endpoints) off the
/// network the server runs in: loopback, private, link-local and reserved targets are refused by name where the URL
/// names one, and on every connection after DNS, so a name that resolves inward (or changes to, DNS rebinding) is
/// refused too — unless a test allows private targets.
/// </summary>
internal static class OutboundGuard
{
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
            throw new TargetRefusedException("the host resolved to no address");
        }

        if (!allowPrivate && addresses.Any(IsPrivate))
        {
            throw new TargetRefusedException("the host resolved to a private, loopback or link-local address");
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

    /// <summary>An HTTP handler that connects only through <see cref="Connect"/> and never follows a redirect.</summary>
    public static SocketsHttpHandler Handler(bool allowPrivate) => new()
    {
        AllowAutoRedirect = false,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        ConnectCallback = Connect(allowPrivate),
    };
}

/// <summary>A call refused before any connection because of where its URL leads.</summary>
internal sealed class TargetRefusedException(string reason) : Exception("Target refused: " + reason);
