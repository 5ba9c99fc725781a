namespace Threshold.Bench.EndToEnd;

/// <summary>One timed phase: completed operations, their latencies (ms) and the errors seen.</summary>
internal sealed class PhaseResult
{
    public PhaseResult(string name, int concurrency, TimeSpan elapsed, List<double> latenciesMs, int errors, IReadOnlyList<string> errorSamples, int ranDry)
    {
        Name = name;
        Concurrency = concurrency;
        Elapsed = elapsed;
        latenciesMs.Sort();
        Sorted = latenciesMs;
        Errors = errors;
        ErrorSamples = errorSamples;
        RanDry = ranDry;
    }

    public string Name { get; }
    public int Concurrency { get; }
    public TimeSpan Elapsed { get; }

    /// <summary>Latencies of successful operations, ascending.</summary>
    public IReadOnlyList<double> Sorted { get; }

    public int Errors { get; }
    public IReadOnlyList<string> ErrorSamples { get; }

    /// <summary>Workers that ran out of prepared work before the deadline (their rate is then understated).</summary>
    public int RanDry { get; }

    /// <summary>Share of the couriers' loop time spent between unlocks (relock, settle: untimed set-up of the next one).</summary>
    public double BetweenShare { get; set; }

    /// <summary>Share of all cores used by this process and by the whole machine during the phase.</summary>
    public (double Process, double? Machine) Cpu { get; set; }

    public int Count => Sorted.Count;
    public double Rate => Count / Elapsed.TotalSeconds;
    public double P50 => Percentile(0.50);
    public double P95 => Percentile(0.95);
    public double P99 => Percentile(0.99);
    public double Max => Count == 0 ? double.NaN : Sorted[^1];

    /// <summary>Nearest-rank percentile.</summary>
    public double Percentile(double p) => Count == 0 ? double.NaN : Sorted[Math.Clamp((int)Math.Ceiling(p * Count) - 1, 0, Count - 1)];
}

/// <summary>Per-worker latency buffers, merged after the phase so recording never contends.</summary>
internal sealed class Recorder
{
    private readonly List<double>[] latencies;
    private readonly List<string> samples = [];
    private int errors;
    private int ranDry;

    public Recorder(int workers)
    {
        latencies = [.. Enumerable.Range(0, workers).Select(_ => new List<double>(4096))];
    }

    public void Ok(int worker, TimeSpan elapsed) => latencies[worker].Add(elapsed.TotalMilliseconds);

    public void Error(string what)
    {
        if (Interlocked.Increment(ref errors) <= 5)
        {
            lock (samples)
            {
                samples.Add(what);
            }
        }
    }

    public void RanDry() => Interlocked.Increment(ref ranDry);

    public PhaseResult Result(string name, int concurrency, TimeSpan elapsed) =>
        new(name, concurrency, elapsed, [.. latencies.SelectMany(l => l)], errors, [.. samples], ranDry);
}
