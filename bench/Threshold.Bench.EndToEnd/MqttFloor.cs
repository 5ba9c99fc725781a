using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using Threshold.Server.Hubs;

namespace Threshold.Bench.EndToEnd;

/// <summary>
/// The floor: a bare MQTT request/response on the server's embedded broker, shaped like a hub command. A requester
/// client (as the server's HubLink does) publishes a 600-byte request at QoS 1, awaits the PUBACK and then the reply;
/// an echo client (standing in for the hub) answers each request with a 64-byte QoS 1 reply. Both sign in as the
/// server identity; nothing is verified, stored or actuated. With TLS the echo client connects as a hub does (TLS port,
/// pinned certificate) and the requester as HubLink does (plain, loopback): the same legs as a command.
/// </summary>
internal sealed class MqttFloor : IAsyncDisposable
{
    private const string Root = "bench/floor/";
    private readonly IMqttClient requester = new MqttClientFactory().CreateMqttClient();
    private readonly IMqttClient echo = new MqttClientFactory().CreateMqttClient();
    private readonly ConcurrentDictionary<long, TaskCompletionSource> pending = new();
    private int echoFailures;

    private MqttFloor()
    {
    }

    public static async Task<MqttFloor> StartAsync(HubBroker broker, bool tls)
    {
        var floor = new MqttFloor();
        floor.echo.ApplicationMessageReceivedAsync += e =>
        {
            // Like the hub, hand the message off and reply from elsewhere; awaiting the reply's PUBACK here
            // would serialise every request behind one another.
            var topic = e.ApplicationMessage.Topic;
            var id = IdOf(e.ApplicationMessage.Payload);
            _ = floor.ReplyAsync(topic[..^"req".Length] + "resp", id);
            return Task.CompletedTask;
        };
        floor.requester.ApplicationMessageReceivedAsync += e =>
        {
            var id = IdOf(e.ApplicationMessage.Payload);
            if (floor.pending.TryGetValue(id, out var waiter))
            {
                waiter.TrySetResult();
            }

            return Task.CompletedTask;
        };
        await floor.echo.ConnectAsync(HubStateProbe.ServerIdentity(broker, "bench-floor-echo", tls));
        await floor.echo.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Root + "+/req", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await floor.requester.ConnectAsync(HubStateProbe.ServerIdentity(broker, "bench-floor-requester"));
        await floor.requester.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Root + "+/resp", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return floor;
    }

    public async Task<PhaseResult> RunAsync(string name, int concurrency, TimeSpan duration)
    {
        var recorder = new Recorder(concurrency);
        var next = 0L;
        var cpu = new CpuMeter();
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var topic = $"{Root}{w}/req";
            var payload = new byte[600];
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var id = Interlocked.Increment(ref next);
                BinaryPrimitives.WriteInt64LittleEndian(payload, id);
                var reply = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                pending[id] = reply;
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    await requester.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
                    await reply.Task.WaitAsync(TimeSpan.FromSeconds(10));
                    recorder.Ok(w, Stopwatch.GetElapsedTime(t0));
                }
                catch (Exception e) when (e is TimeoutException or MqttCommunicationException)
                {
                    recorder.Error($"{e.GetType().Name}: {e.Message}");
                }
                finally
                {
                    pending.TryRemove(id, out _);
                }
            }
        })));
        if (Interlocked.Exchange(ref echoFailures, 0) is > 0 and var failed)
        {
            recorder.Error($"{failed} echo publishes failed");
        }

        var result = recorder.Result(name, concurrency, Stopwatch.GetElapsedTime(start));
        result.Cpu = cpu.Stop();
        return result;
    }

    private async Task ReplyAsync(string topic, long id)
    {
        var payload = new byte[64];
        BinaryPrimitives.WriteInt64LittleEndian(payload, id);
        try
        {
            await echo.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }
        catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException)
        {
            Interlocked.Increment(ref echoFailures);
        }
    }

    private static long IdOf(ReadOnlySequence<byte> payload)
    {
        Span<byte> id = stackalloc byte[8];
        payload.Slice(0, 8).CopyTo(id);
        return BinaryPrimitives.ReadInt64LittleEndian(id);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in new[] { requester, echo })
        {
            if (client.IsConnected)
            {
                await client.DisconnectAsync();
            }

            client.Dispose();
        }
    }
}
