using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Threshold.Server.Tests.Support;

/// <summary>
/// A real mosquitto (Debian package) with the dynamic-security plugin, on a loopback port, for the
/// external-broker tests. Missing tools skip the test, except under THRESHOLD_STRICT_TESTS=1 (CI).
/// </summary>
internal sealed class Mosquitto : IAsyncDisposable
{
    public const string AdminUser = "threshold-server";
    private const string Plugin = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so";
    private readonly Process process;
    private readonly string dir;

    private Mosquitto(Process process, string dir, int port, string adminPassword)
    {
        this.process = process;
        this.dir = dir;
        Port = port;
        AdminPassword = adminPassword;
    }

    public int Port { get; }
    public string AdminPassword { get; }

    public static void SkipUnlessAvailable()
    {
        var available = File.Exists("/usr/sbin/mosquitto") && File.Exists("/usr/bin/mosquitto_ctrl") && File.Exists(Plugin);
        if (!available && Environment.GetEnvironmentVariable("THRESHOLD_STRICT_TESTS") == "1")
        {
            Assert.Fail("mosquitto with the dynamic-security plugin is required (THRESHOLD_STRICT_TESTS=1): apt-get install mosquitto");
        }

        Skip.IfNot(available, "mosquitto (Debian package) is not installed; external-broker tests skipped.");
    }

    public static async Task<Mosquitto> StartAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "threshold-mosquitto", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var password = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var dynsec = Path.Combine(dir, "dynamic-security.json");
        await RunAsync("/usr/bin/mosquitto_ctrl", "dynsec", "init", dynsec, AdminUser, password);

        var port = FreePort.Next();
        var config = Path.Combine(dir, "mosquitto.conf");
        await File.WriteAllTextAsync(config, $"""
            per_listener_settings false
            listener {port} 127.0.0.1
            allow_anonymous false
            persistence false
            plugin {Plugin}
            plugin_opt_config_file {dynsec}
            log_dest stderr
            """);
        var start = new ProcessStartInfo("/usr/sbin/mosquitto") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(config);
        var process = Process.Start(start)!;
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        // An outside process says nothing when it is ready: look until it accepts connections (or dies).
        await Eventually.UntilAsync(
            async () =>
            {
                Assert.False(process.HasExited, "mosquitto did not start");
                return await CanConnectAsync(port);
            },
            "mosquitto to accept connections",
            timeout: TimeSpan.FromSeconds(10));

        return new Mosquitto(process, dir, port, password);
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

    private static async Task RunAsync(string file, params string[] args)
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

    private static async Task<bool> CanConnectAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
