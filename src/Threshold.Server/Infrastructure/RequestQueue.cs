using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Threshold.Server.Infrastructure;

/// <summary>
/// Work asked for by id (a home's credential sync, a hub's key rotation), handed from committed writes to one background
/// loop: an id already waiting is one request; each runs in turn, a failure handed to <c>failed</c> without ending the loop.
/// </summary>
internal sealed class RequestQueue
{
    private readonly Channel<Guid> requests = Channel.CreateUnbounded<Guid>();
    private readonly ConcurrentDictionary<Guid, byte> queued = new();

    public void Request(Guid id)
    {
        if (queued.TryAdd(id, 0))
        {
            requests.Writer.TryWrite(id);
        }
    }

    public async Task RunAsync(Func<Guid, CancellationToken, Task> work, Action<Guid, Exception> failed, CancellationToken ct)
    {
        await foreach (var id in requests.Reader.ReadAllAsync(ct))
        {
            queued.TryRemove(id, out _);
            try
            {
                await work(id, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                failed(id, e);
            }
        }
    }
}
