using System.Diagnostics;

namespace Threshold.Bench.EndToEnd;

/// <summary>
/// Closed loop, one courier per home: POST /unlock for the next arrived delivery, timed until the response body is
/// read. Then, untimed: unless --no-relock, turn the thumb-turn to lock the door again and wait until the hub has
/// reported the bolt locked, so every timed unlock moves a locked bolt; unless --no-settle, wait until the home's
/// event traffic has died down, so each unlock meets an idle home (the server stays loaded by the other homes).
/// </summary>
internal static class UnlockPhase
{
    private static readonly TimeSpan RelockTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(50);

    public static async Task<PhaseResult> RunAsync(
        string name, IReadOnlyList<BenchHome> homes, Queue<Guid>[] work, HubStateProbe probe, bool relock, bool settle, TimeSpan duration,
        List<(int Home, long Start, long End)>? trace = null)
    {
        var recorder = new Recorder(homes.Count);
        var betweenTicks = 0L;
        var cpu = new CpuMeter();
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(homes.Select((home, w) => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                if (!work[w].TryDequeue(out var id))
                {
                    recorder.RanDry();
                    return;
                }

                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await home.Courier.PostAsync($"/api/v1/courier/deliveries/{id}/unlock", null);
                    var body = await response.Content.ReadAsStringAsync();
                    var t1 = Stopwatch.GetTimestamp();
                    var elapsed = Stopwatch.GetElapsedTime(t0, t1);
                    if (trace is not null)
                    {
                        lock (trace)
                        {
                            trace.Add((home.Index, t0, t1));
                        }
                    }

                    if ((int)response.StatusCode == 200)
                    {
                        recorder.Ok(w, elapsed);
                    }
                    else
                    {
                        recorder.Error($"home {home.Index}: {(int)response.StatusCode} {body}");
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    recorder.Error($"home {home.Index}: {e.GetType().Name} {e.Message}");
                }

                var r0 = Stopwatch.GetTimestamp();
                if (relock)
                {
                    var before = probe.LockedReports(home.HubId);
                    await home.Devices.ManualLockAsync();
                    if (!await probe.WaitLockedAsync(home.HubId, before, RelockTimeout))
                    {
                        recorder.Error($"home {home.Index}: the hub did not report the bolt locked within {RelockTimeout.TotalSeconds} s");
                    }
                }

                if (settle)
                {
                    await probe.WaitQuietAsync(home.HubId, Quiet, RelockTimeout);
                }

                Interlocked.Add(ref betweenTicks, Stopwatch.GetTimestamp() - r0);
            }
        })));
        var result = recorder.Result(name, homes.Count, Stopwatch.GetElapsedTime(start));
        result.Cpu = cpu.Stop();
        result.BetweenShare = betweenTicks / (double)Stopwatch.Frequency / (homes.Count * result.Elapsed.TotalSeconds);
        return result;
    }
}
