using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace Threshold.Bench;

/// <summary>
/// The timed server phase: <c>C</c> clients POSTing <c>/unlock</c> back to back, each taking the next
/// arrived delivery from a shared queue (so no delivery is unlocked twice, and a client that gets through
/// faster is not left idle) and sending it with the assigned courier's token. Only a 200 counts; anything
/// else is an error. The phase ends after the duration, or when the queue runs dry (reported).
/// </summary>
internal static class UnlockLoad
{
    public static async Task<PhaseResult> RunAsync(string name, HttpClient http, int clients, ConcurrentQueue<ArrivedDelivery> work, TimeSpan duration)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var tallies = Enumerable.Range(0, clients).Select(_ => new WorkerTally { Deadline = deadline }).ToArray();
        var tokens = new ConcurrentDictionary<string, AuthenticationHeaderValue>(StringComparer.Ordinal);
        using var stop = new CancellationTokenSource();
        var exhausted = 0;
        var meter = CpuMeter.Start();
        var clock = Stopwatch.StartNew();
        stop.CancelAfter(duration);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(w => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (!work.TryDequeue(out var delivery))
                {
                    Interlocked.Exchange(ref exhausted, 1);
                    break;
                }

                var auth = tokens.GetOrAdd(delivery.CourierToken, t => new AuthenticationHeaderValue("Bearer", t));
                await UnlockOnceAsync(http, auth, delivery.Id, tallies[w]);
            }
        })));
        var elapsed = clock.Elapsed;
        var ranDry = exhausted == 1 && elapsed < duration;
        return WorkerTally.Combine(name, tallies, ranDry ? elapsed : duration, elapsed, ranDry) with { OthersCores = meter.OthersCores() };
    }

    private static async Task UnlockOnceAsync(HttpClient http, AuthenticationHeaderValue auth, Guid id, WorkerTally tally)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/courier/deliveries/{id}/unlock");
        request.Headers.Authorization = auth;
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                tally.Success(started);
            }
            else
            {
                var body = await response.Content.ReadAsStringAsync();
                tally.Failure($"{(int)response.StatusCode} {Code(body)}");
            }
        }
        catch (HttpRequestException e)
        {
            tally.Failure("transport: " + e.HttpRequestError);
        }
        catch (TaskCanceledException)
        {
            tally.Failure("client timeout");
        }
    }

    // The problem+json "code" member, without pulling the body into a document model.
    private static string Code(string body)
    {
        const string Key = "\"code\":\"";
        var at = body.IndexOf(Key, StringComparison.Ordinal);
        if (at < 0)
        {
            return "";
        }

        var end = body.IndexOf('"', at + Key.Length);
        return end < 0 ? "" : body[(at + Key.Length)..end];
    }
}
