using System.Globalization;
using System.Net.ServerSentEvents;

namespace Threshold.Testing;

/// <summary>
/// A home's live activity feed (<c>GET /homes/{id}/events/stream</c>, server-sent events), read as a
/// <see cref="Signal"/>: the server pushes each audit entry after it commits, so a wait on anything the server
/// records (a delivery's status, the trail, a credential's state on the lock) re-checks right after the write that
/// may satisfy it. Start one with <see cref="ServerHost.FollowAsync"/>: the host pauses it across restarts, since
/// an open stream would hold the server's shutdown for its whole timeout. While the stream is down it pulses once
/// per <see cref="Poll.Interval"/>, so waits fall back to polling instead of hanging.
/// </summary>
public sealed class ActivityFeed : IAsyncDisposable
{
    private readonly ThresholdApi api;
    private readonly string token;
    private readonly Guid homeId;
    private readonly CancellationTokenSource stop = new();
    private readonly TaskCompletionSource subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock gate = new();
    private CancellationTokenSource connection = new();
    private TaskCompletionSource running = Completed();
    private Task loop = Task.CompletedTask;
    private long lastSeq;

    private ActivityFeed(ThresholdApi api, string token, Guid homeId)
    {
        this.api = api;
        this.token = token;
        this.homeId = homeId;
    }

    /// <summary>Fires after each entry the home's feed delivers (and while the feed is down, on every retry).</summary>
    public Signal Changed { get; } = new();

    /// <summary>The data of every <c>activity</c> event the stream delivered, in order (each an audit entry as JSON).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Received { get; } = new();

    internal static async Task<ActivityFeed> StartAsync(ThresholdApi api, string token, Guid homeId)
    {
        var feed = new ActivityFeed(api, token, homeId);
        feed.loop = Task.Run(feed.RunAsync);
        await feed.subscribed.Task.WaitAsync(Eventually.Timeout);
        return feed;
    }

    /// <summary>Closes the stream and holds off reconnecting until <see cref="Resume"/>.</summary>
    internal void Pause()
    {
        lock (gate)
        {
            running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            connection.Cancel();
        }
    }

    internal void Resume()
    {
        lock (gate)
        {
            running.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        Resume();
        await loop;
        connection.Dispose();
        stop.Dispose();
    }

    private async Task RunAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            Task resumed;
            CancellationToken ct;
            lock (gate)
            {
                resumed = running.Task;
                connection.Dispose();
                connection = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                ct = connection.Token;
            }

            await resumed;
            try
            {
                await ReadAsync(ct);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
            {
            }

            Changed.Pulse();
            try
            {
                await Poll.NextAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private async Task ReadAsync(CancellationToken ct)
    {
        using var client = api.Client(token);
        client.Timeout = Timeout.InfiniteTimeSpan;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/homes/{homeId}/events/stream");
        if (lastSeq > 0)
        {
            request.Headers.Add("Last-Event-ID", lastSeq.ToString(CultureInfo.InvariantCulture));
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync(ct)).EnumerateAsync(ct))
        {
            if (long.TryParse(item.EventId, NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
            {
                lastSeq = seq;
            }

            if (item.EventType == "activity")
            {
                Received.Enqueue(item.Data);
            }

            subscribed.TrySetResult();
            Changed.Pulse();
        }
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.TrySetResult();
        return done;
    }
}
