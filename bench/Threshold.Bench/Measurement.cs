using System.Diagnostics;

namespace Threshold.Bench;

/// <summary>
/// What one timed phase produced. The rate counts only successes completed inside the measuring window
/// (the phase's duration, or less if the server phase ran out of deliveries), so requests still in flight
/// at the deadline, and a baseline thread still asleep in a busy retry, do not stretch the window.
/// </summary>
internal sealed record PhaseResult(
    string Name, long Ok, long Counted, long Errors, TimeSpan Window, TimeSpan Elapsed, double P50Ms, double P95Ms, double P99Ms, double MaxMs,
    IReadOnlyDictionary<string, long> ErrorKinds, bool ExhaustedEarly)
{
    public double Rate => Counted / Window.TotalSeconds;

    /// <summary>CPU other processes used during the phase, in cores (see <see cref="CpuMeter"/>).</summary>
    public double OthersCores { get; init; } = double.NaN;

    public string ErrorSummary => ErrorKinds.Count == 0
        ? "none"
        : string.Join(", ", ErrorKinds.OrderByDescending(e => e.Value).Select(e => $"{e.Key} ×{e.Value}"));
}

/// <summary>One worker's tallies; workers never share one, so nothing here is locked.</summary>
internal sealed class WorkerTally
{
    public List<long> LatencyTicks { get; } = new(capacity: 1 << 14);
    public Dictionary<string, long> Errors { get; } = new(StringComparer.Ordinal);
    public long Ok { get; private set; }

    /// <summary>Successes completed by <see cref="Deadline"/>.</summary>
    public long InWindow { get; private set; }

    /// <summary>End of the measuring window, as a <see cref="Stopwatch"/> timestamp.</summary>
    public long Deadline { get; set; } = long.MaxValue;

    public void Success(long startTimestamp)
    {
        var now = Stopwatch.GetTimestamp();
        LatencyTicks.Add(now - startTimestamp);
        Ok++;
        if (now <= Deadline)
        {
            InWindow++;
        }
    }

    public void Failure(string kind)
    {
        Errors[kind] = Errors.GetValueOrDefault(kind) + 1;
    }

    public static PhaseResult Combine(string name, IReadOnlyCollection<WorkerTally> tallies, TimeSpan window, TimeSpan elapsed, bool exhaustedEarly)
    {
        var ticks = tallies.SelectMany(t => t.LatencyTicks).ToArray();
        Array.Sort(ticks);
        var errors = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (kind, count) in tallies.SelectMany(t => t.Errors))
        {
            errors[kind] = errors.GetValueOrDefault(kind) + count;
        }

        return new PhaseResult(name, tallies.Sum(t => t.Ok), tallies.Sum(t => t.InWindow), errors.Values.Sum(), window, elapsed,
            Percentile(ticks, 0.50), Percentile(ticks, 0.95), Percentile(ticks, 0.99), Percentile(ticks, 1.0), errors, exhaustedEarly);
    }

    // Nearest-rank percentile, in milliseconds.
    private static double Percentile(long[] sortedTicks, double p)
    {
        if (sortedTicks.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p * sortedTicks.Length) - 1;
        return sortedTicks[Math.Clamp(rank, 0, sortedTicks.Length - 1)] * 1000.0 / Stopwatch.Frequency;
    }
}
