using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;

namespace Threshold.Bench.EndToEnd;

/// <summary>Console progress and the markdown summary (machine, command, table, notes).</summary>
internal static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Machine()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return string.Create(Inv, $"""
            - nproc: {Environment.ProcessorCount}{(cpu is null ? "" : $" ({cpu})")}
            - uname -r: {Run("uname", "-r") ?? RuntimeInformation.OSDescription}
            - load average at start (1/5/15 min): {LoadAverage()}
            - code: HEAD {Run("git", "rev-parse --short HEAD") ?? "?"}{(string.IsNullOrEmpty(Run("git", "status --porcelain --untracked-files=no")) ? "" : " + uncommitted changes")}; binaries built {Built("Threshold.Server")} (server), {Built("Threshold.Hub")} (hub)
            - dotnet --version: {Run("dotnet", "--version") ?? "?"} (runtime {RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC)
            """);
    }

    public static void Phase(PhaseResult r)
    {
        var dry = r.RanDry > 0 ? string.Create(Inv, $"  (ran dry: {r.RanDry})") : "";
        var relock = r.BetweenShare > 0 ? string.Create(Inv, $"  (between unlocks {r.BetweenShare:P0} of loop time)") : "";
        var cpu = string.Create(Inv, $"  cpu {r.Cpu.Process:P0} process / {r.Cpu.Machine:P0} machine");
        Console.WriteLine(string.Create(Inv,
            $"  {r.Name,-22} C={r.Concurrency,-3} n={r.Count,-6} {r.Rate,8:F0}/s  p50 {r.P50,6:F2}  p95 {r.P95,6:F2}  p99 {r.P99,6:F2}  max {r.Max,7:F2} ms  errors {r.Errors}{cpu}{dry}{relock}"));
        foreach (var sample in r.ErrorSamples)
        {
            Console.WriteLine("    error: " + sample);
        }
    }

    public static string Markdown(Options o, string[] args, string machine, IReadOnlyList<(PhaseResult Unlock, PhaseResult Floor)> rows, Threshold.Testing.TestLog logs, IReadOnlyList<string> breakdowns)
    {
        var md = new StringBuilder();
        var whatIf = (o.BusyTimeoutMs is { } ms ? string.Create(Inv, $", WHAT-IF: server connections with PRAGMA busy_timeout={ms}") : "")
            + (o.WriterGate ? string.Create(Inv, $", WHAT-IF: server write transactions queued on an in-process gate (skipped after 5 s: {WhatIf.WriterGate.Instance.Skipped})") : "")
            + (o.MinThreads is { } threads ? string.Create(Inv, $", WHAT-IF: thread pool minimum {threads} workers") : "");
        md.AppendLine(Inv, $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {o.Seconds} s per phase after {o.WarmupSeconds} s warm-up, "
            + $"simulated actuation {o.ActuationMs} ms, {(o.Relock ? "bolt relocked (untimed) between unlocks" : "no relock between unlocks")}, "
            + $"{(o.Settle ? "each home left to go quiet (untimed) before its next unlock" : "no settling between unlocks")}, "
            + $"{(o.Tls ? "hubs on MQTT over TLS (pinned certificate; the server's own client plain on loopback)" : "plain MQTT on loopback")}{whatIf}.");
        md.AppendLine();
        md.AppendLine(Inv, $"Command: `dotnet run -c Release --project bench/Threshold.Bench.EndToEnd -- {string.Join(' ', args)}`");
        md.AppendLine();
        md.AppendLine(machine);
        md.AppendLine();
        md.AppendLine("| C (homes, hubs, couriers) | unlocks/s | p50 ms | p95 ms | p99 ms | max ms | errors | CPU process / machine | MQTT floor p50 | p95 | p99 | floor round trips/s |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (u, f) in rows)
        {
            md.AppendLine(Inv, $"| {u.Concurrency} | {u.Rate:F0} | {u.P50:F2} | {u.P95:F2} | {u.P99:F2} | {u.Max:F1} | {u.Errors + f.Errors} | {u.Cpu.Process:P0} / {u.Cpu.Machine:P0} | {f.P50:F2} | {f.P95:F2} | {f.P99:F2} | {f.Rate:F0} |");
        }

        md.AppendLine();
        foreach (var (u, _) in rows)
        {
            var relock = u.BetweenShare > 0 ? string.Create(Inv, $"; untimed work between unlocks took {u.BetweenShare:P0} of the couriers' loop time") : "";
            var dry = u.RanDry > 0 ? string.Create(Inv, $"; {u.RanDry} couriers ran out of prepared deliveries (rate understated)") : "";
            md.AppendLine(Inv, $"- C={u.Concurrency}: {u.Count} unlocks timed{relock}{dry}.");
        }

        md.AppendLine(Inv, $"- Warnings/errors logged by server and hubs: {logs.Warnings}; load average at the end: {LoadAverage()}.");
        if (breakdowns.Count > 0)
        {
            md.AppendLine().AppendLine("Breakdown (own phases with observer clients on both brokers):").AppendLine().AppendLine("```");
            foreach (var b in breakdowns)
            {
                md.Append(b);
            }

            md.AppendLine("```");
        }

        return md.ToString();
    }

    /// <summary>When the referenced assembly was written: the working tree may have moved on since.</summary>
    private static string Built(string assembly)
    {
        var path = Path.Combine(AppContext.BaseDirectory, assembly + ".dll");
        return File.Exists(path) ? File.GetLastWriteTimeUtc(path).ToString("yyyy-MM-dd HH:mm 'UTC'", Inv) : "?";
    }

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static string? Run(string file, string args)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, UseShellExecute = false });
            var output = p!.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return p.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
