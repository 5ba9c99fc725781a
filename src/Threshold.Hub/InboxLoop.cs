using System.Threading.Channels;

namespace Threshold.Hub;

/// <summary>
/// The loop of every single-reader part of the hub (door, keypad, commands): each message handled in order, a failure
/// handed to <c>failed</c> (to log) without ending the loop, <c>after</c> run after every message; ends when stopped.
/// </summary>
internal static class InboxLoop
{
    public static async Task RunAsync<T>(
        ChannelReader<T> inbox, Func<T, CancellationToken, Task> handle, Action<T, Exception> failed, Action? after, CancellationToken ct)
    {
        try
        {
            await foreach (var message in inbox.ReadAllAsync(ct))
            {
                try
                {
                    await handle(message, ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    failed(message, e);
                }

                after?.Invoke();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}
