using MQTTnet;

namespace Threshold.Hub;

/// <summary>
/// The supervised loop of the hub's two MQTT owners (Zigbee/ZigbeeConnection.cs, Server/ServerLink.cs): connect and
/// subscribe when the client is down, look again every 250 ms, back off exponentially with jitter after a failure.
/// Waiting for a broker is wall-clock time, not the (possibly simulated) domain clock.
/// </summary>
internal static class MqttSupervisor
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    public static async Task RunAsync(
        IMqttClient client, Func<CancellationToken, Task> connect, TimeSpan maxBackoff, Action<Exception> failed, CancellationToken ct)
    {
        var backoff = FirstBackoff;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (!client.IsConnected)
                {
                    await connect(ct);
                    backoff = FirstBackoff;
                }

                await Task.Delay(Poll, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                failed(e);
                try
                {
                    await Task.Delay(Jittered(backoff), ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, maxBackoff.Ticks));
            }
        }
    }

    /// <summary>A clean disconnect on stop (within 2 s), after <paramref name="goodbye"/> if given; failures go to <paramref name="failed"/>.</summary>
    public static async Task DisconnectAsync(IMqttClient client, Func<CancellationToken, Task>? goodbye, Action<Exception> failed)
    {
        if (!client.IsConnected)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (goodbye is not null)
            {
                await goodbye(timeout.Token);
            }

            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            failed(e);
        }
    }

    /// <summary>Full jitter in [d/2, d].</summary>
    private static TimeSpan Jittered(TimeSpan delay) => delay / 2 + delay / 2 * Random.Shared.NextDouble();
}
