using System.Diagnostics;

namespace Threshold.Bench.EndToEnd;

/// <summary>
/// CPU use over a phase: this process (server, hubs, simulators, brokers and clients all live here) and the whole
/// machine from /proc/stat, so a run disturbed by other work on the machine shows as machine &gt; process.
/// </summary>
internal sealed class CpuMeter
{
    private readonly TimeSpan processStart = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly long wallStart = Stopwatch.GetTimestamp();
    private readonly (long Busy, long Total)? machineStart = Machine();

    /// <summary>Shares of all cores (1.0 = every core busy for the whole phase).</summary>
    public (double Process, double? Machine) Stop()
    {
        var wall = Stopwatch.GetElapsedTime(wallStart).TotalSeconds * Environment.ProcessorCount;
        var process = (Process.GetCurrentProcess().TotalProcessorTime - processStart).TotalSeconds / wall;
        double? machine = Machine() is { } end && machineStart is { } start && end.Total > start.Total
            ? (end.Busy - start.Busy) / (double)(end.Total - start.Total)
            : null;
        return (process, machine);
    }

    private static (long Busy, long Total)? Machine()
    {
        try
        {
            // cpu  user nice system idle iowait irq softirq steal ...
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
            var total = fields.Take(8).Sum();
            return (total - fields[3] - fields[4], total);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }
}
