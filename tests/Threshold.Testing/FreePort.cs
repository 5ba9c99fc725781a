using System.Net;
using System.Net.Sockets;

namespace Threshold.Testing;

/// <summary>Loopback TCP ports nobody listens on right now, for whatever a test or bench binds itself.</summary>
public static class FreePort
{
    /// <summary>One free port. Another process may take it before it is bound: bind soon.</summary>
    public static int Next() => Take(1)[0];

    /// <summary><paramref name="count"/> distinct free ports: all are held open together, so no two are the same.</summary>
    public static int[] Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}
