using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Threshold.Bench;

/// <summary>Prints the per-round results and their medians as a markdown table.</summary>
internal static class Report
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void Environment(BenchOptions options)
    {
        Console.WriteLine($"machine: {System.Environment.ProcessorCount} logical CPUs, {RuntimeInformation.OSDescription} (kernel {System.Environment.OSVersion.Version}), " +
            $"{RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC; load average now {LoadAverage()}");
        Console.WriteLine($"settings: {options.Seconds} s per timed phase, concurrency {options.Concurrency}, {options.Couriers} couriers, " +
            $"{options.Rounds} rounds, {options.WarmupSeconds} s warm-up");
    }

    public static void Phase(PhaseResult r) =>
        Console.WriteLine(string.Create(Invariant,
            $"  {r.Name,-14} {r.Rate,9:F1}/s  ok {r.Counted,7} in {r.Window.TotalSeconds,5:F2} s ({r.Ok} by {r.Elapsed.TotalSeconds:F2} s)  errors {r.Errors}  " +
            $"p50 {r.P50Ms,7:F2} ms  p95 {r.P95Ms,7:F2} ms  p99 {r.P99Ms,7:F2} ms  max {r.MaxMs,7:F1} ms{(r.ExhaustedEarly ? "  (ran out of deliveries: shorter phase)" : "")}" +
            $"  other processes {r.OthersCores:F2} cores{(r.Errors > 0 ? "  errors: " + r.ErrorSummary : "")}"));

    public static void Table(IReadOnlyList<(PhaseResult Raw, PhaseResult Server)> rounds)
    {
        Console.WriteLine();
        Console.WriteLine("| run | raw SQLite tx/s | server unlocks/s | server ÷ raw | raw p50 / p95 / p99 (ms) | server p50 / p95 / p99 (ms) | server errors | other processes' CPU, cores (raw / server) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (var i = 0; i < rounds.Count; i++)
        {
            var (raw, server) = rounds[i];
            Console.WriteLine(string.Create(Invariant,
                $"| {i + 1} | {raw.Rate:F0} | {server.Rate:F0} | {Percent(server.Rate / raw.Rate)} | {Latency(raw)} | {Latency(server)} | {server.Errors} | {raw.OthersCores:F2} / {server.OthersCores:F2} |"));
        }

        var rawMedian = Median(rounds.Select(r => r.Raw.Rate));
        var serverMedian = Median(rounds.Select(r => r.Server.Rate));
        var ratioMedian = Median(rounds.Select(r => r.Server.Rate / r.Raw.Rate));
        Console.WriteLine(string.Create(Invariant,
            $"| **median** | **{rawMedian:F0}** | **{serverMedian:F0}** | **{Percent(serverMedian / rawMedian)}** (median of per-run ratios {Percent(ratioMedian)}) | | | {rounds.Sum(r => r.Server.Errors)} | |"));
        Console.WriteLine();
        Console.WriteLine(serverMedian / rawMedian >= 0.40
            ? "goal (server ≥ 40% of the raw SQLite rate): met"
            : "goal (server ≥ 40% of the raw SQLite rate): NOT met");
    }

    /// <summary>The 1-minute load average after a phase: anything well above the core count means other work shared the machine.</summary>
    public static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "n/a";
        }
        catch (UnauthorizedAccessException)
        {
            return "n/a";
        }
    }

    private static string Latency(PhaseResult r) => string.Create(Invariant, $"{r.P50Ms:F1} / {r.P95Ms:F1} / {r.P99Ms:F1}");

    private static string Percent(double ratio) => string.Create(Invariant, $"{ratio * 100:F1}%");

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
