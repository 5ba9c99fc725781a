using Microsoft.Extensions.Logging;
using MQTTnet;

namespace Threshold.Hub;

/// <summary>
/// The supervised loop of the hub's two MQTT owners (Zigbee/ZigbeeConnection.cs, Server/ServerLink.cs): connect and
/// subscribe when the client is down, look again every 250 ms; after a failure drop what came up, back off exponentially
/// with jitter and start again.
/// Waiting for a broker is wall-clock time, not the (possibly simulated) domain clock.
/// </summary>
internal sealed partial class MqttSupervisor(IMqttClient client, string broker, string host, int port, ILogger logger)
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    public async Task RunAsync(Func<CancellationToken, Task> connect, TimeSpan maxBackoff, CancellationToken ct)
    {
        var backoff = FirstBackoff;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (!client.IsConnected)
                {
                    await connect(ct);
                    LogConnected(logger, broker, host, port);
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
                LogFailed(logger, broker, host, port, e.Message);
                // A connection that came up but whose set-up failed (a subscription refused, the first publish lost) is
                // dropped, so the next attempt sets it up again; left connected, this loop would never look at it again.
                await DisconnectAsync();
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

    /// <summary>Throws when the broker refused any of the subscriptions (its ACL): connected but deaf is no connection.</summary>
    public static void EnsureGranted(MqttClientSubscribeResult result)
    {
        foreach (var item in result.Items)
        {
            if (item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
            {
                throw new InvalidOperationException($"Subscription to {item.TopicFilter.Topic} refused: {item.ResultCode}");
            }
        }
    }

    /// <summary>A clean disconnect (within 2 s; on stop, or of a half set-up connection), after <paramref name="goodbye"/> if given.</summary>
    public async Task DisconnectAsync(Func<CancellationToken, Task>? goodbye = null)
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
            LogFailed(logger, broker, host, port, "disconnect: " + e.Message);
        }
    }

    /// <summary>Full jitter in [d/2, d].</summary>
    private static TimeSpan Jittered(TimeSpan delay) => delay / 2 + delay / 2 * Random.Shared.NextDouble();

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to the {Broker} {Host}:{Port}")]
    private static partial void LogConnected(ILogger logger, string broker, string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Broker} {Host}:{Port}: {Error}; retrying")]
    private static partial void LogFailed(ILogger logger, string broker, string host, int port, string error);
}
