using System.Diagnostics;
using System.Net.Sockets;

namespace Threshold.Hub.Tests.Support;

/// <summary>
/// A real mosquitto configured from docs/home-broker.md: its <c>mosquitto.conf</c> and ACL blocks as written, only the
/// listener and the two file paths moved into a temp directory. Missing mosquitto skips the test, except under
/// THRESHOLD_STRICT_TESTS=1 (CI).
/// </summary>
internal sealed class HomeMosquitto : IAsyncDisposable
{
    public const string Doc = "docs/home-broker.md";
    private const string Mosquitto = "/usr/sbin/mosquitto";
    private const string Passwd = "/usr/bin/mosquitto_passwd";
    private readonly Process process;
    private readonly string dir;

    private HomeMosquitto(Process process, string dir, int port)
    {
        this.process = process;
        this.dir = dir;
        Port = port;
    }

    public int Port { get; }

    public static void SkipUnlessAvailable()
    {
        var available = File.Exists(Mosquitto) && File.Exists(Passwd);
        if (!available && Environment.GetEnvironmentVariable("THRESHOLD_STRICT_TESTS") == "1")
        {
            Assert.Fail("mosquitto and mosquitto_passwd are required (THRESHOLD_STRICT_TESTS=1): apt-get install mosquitto");
        }

        Skip.IfNot(available, "mosquitto (Debian package) is not installed; the home broker configuration test is skipped.");
    }

    /// <param name="users">User name → password, written with mosquitto_passwd as the doc does.</param>
    /// <param name="edit">A change to the documented mosquitto.conf (to test the check against a broker left open).</param>
    public static async Task<HomeMosquitto> StartAsync(IReadOnlyDictionary<string, string> users, Func<string, string>? edit = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "threshold-home-mosquitto", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var passwd = Path.Combine(dir, "passwd");
        var acl = Path.Combine(dir, "acl");
        var first = true;
        foreach (var (user, password) in users)
        {
            await RunAsync(Passwd, first ? ["-c", "-b", passwd, user, password] : ["-b", passwd, user, password]);
            first = false;
        }

        await File.WriteAllTextAsync(acl, DocBlocks.Read(Doc, "acl"));
        var port = FreePort.Next();
        var conf = Moved(DocBlocks.Read(Doc, "conf"), ("listener 1883", $"listener {port} 127.0.0.1"),
            ("/etc/mosquitto/passwd", passwd), ("/etc/mosquitto/acl", acl));
        var config = Path.Combine(dir, "mosquitto.conf");
        await File.WriteAllTextAsync(config, (edit ?? (c => c))(conf) + "persistence false\nlog_dest stderr\n");

        var start = new ProcessStartInfo(Mosquitto) { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(config);
        var process = Process.Start(start)!;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var broker = new HomeMosquitto(process, dir, port);
        // mosquitto says nothing when it is ready: look until it accepts connections (or dies).
        await Eventually.UntilAsync(
            async () =>
            {
                Assert.False(process.HasExited, "mosquitto did not start");
                return await broker.ListeningAsync();
            },
            "mosquitto to accept connections",
            timeout: TimeSpan.FromSeconds(10));
        return broker;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        process.Dispose();
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The documented text with each path or port replaced; each must be there, so the doc cannot drift away unnoticed.</summary>
    private static string Moved(string conf, params (string From, string To)[] moves)
    {
        foreach (var (from, to) in moves)
        {
            Assert.Contains(from, conf, StringComparison.Ordinal);
            conf = conf.Replace(from, to, StringComparison.Ordinal);
        }

        return conf;
    }

    private async Task<bool> ListeningAsync()
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(System.Net.IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var p = Process.Start(start)!;
        var error = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"{file} failed: {error}");
    }
}
