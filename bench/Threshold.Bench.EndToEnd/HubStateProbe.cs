using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Threshold.Hub.Pairing;
using Threshold.Protocol.Topics;
using Threshold.Server.Hubs;

namespace Threshold.Bench.EndToEnd;

/// <summary>
/// Watches all traffic between the server and each hub on the server's broker (as the server identity, like the
/// server's own client), so the bench knows when a hub has seen its bolt locked again and when a home has gone quiet
/// (events delivered and acknowledged, follow-up commands such as credential syncs answered). Not on the timed path.
/// </summary>
internal sealed class HubStateProbe : IAsyncDisposable
{
    private readonly IMqttClient client = new MqttClientFactory().CreateMqttClient();
    private readonly ConcurrentDictionary<Guid, Watch> hubs = new();

    private HubStateProbe()
    {
    }

    public static async Task<HubStateProbe> StartAsync(HubBroker broker)
    {
        var probe = new HubStateProbe();
        probe.client.ApplicationMessageReceivedAsync += e =>
        {
            if (HubTopics.TryParse(e.ApplicationMessage.Topic, out var hubId, out var leaf))
            {
                var value = "";
                if (leaf == TopicLeaf.State)
                {
                    using var doc = JsonDocument.Parse(e.ApplicationMessage.Payload);
                    value = doc.RootElement.TryGetProperty("lock", out var l) ? l.GetString() ?? "" : "";
                }

                probe.hubs.GetOrAdd(hubId, _ => new Watch()).Seen(value);
            }

            return Task.CompletedTask;
        };
        await probe.client.ConnectAsync(ServerIdentity(broker, "bench-probe"));
        var subscribe = new MqttClientSubscribeOptionsBuilder();
        foreach (var leaf in HubTopics.Leaves)
        {
            subscribe.WithTopicFilter(HubTopics.AllHubs(leaf), MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await probe.client.SubscribeAsync(subscribe.Build());
        return probe;
    }

    /// <summary>The server's broker account on the plain loopback port, or (<paramref name="tls"/>) on the TLS port as a hub connects, pinned.</summary>
    public static MqttClientOptions ServerIdentity(HubBroker broker, string name, bool tls = false)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", tls ? broker.TlsPort ?? throw new InvalidOperationException("The broker has no TLS endpoint.") : broker.Port)
            .WithClientId($"{name}-{Guid.NewGuid():N}")
            .WithCredentials(broker.ServerUsername, broker.ServerPassword)
            .WithCleanSession()
            .WithTimeout(TimeSpan.FromSeconds(5));
        if (tls && broker.CertificateFingerprint is { } pin)
        {
            builder = builder.WithTlsOptions(t => t.UseTls().WithCertificateValidationHandler(e => PairingTransport.IsPinned(e.Certificate, pin)));
        }

        return builder.Build();
    }

    /// <summary>How many times this hub has reported its bolt locked so far.</summary>
    public long LockedReports(Guid hubId) => hubs.GetOrAdd(hubId, _ => new Watch()).Locked;

    /// <summary>Waits until the hub reports its bolt locked more than <paramref name="after"/> times.</summary>
    public Task<bool> WaitLockedAsync(Guid hubId, long after, TimeSpan timeout) =>
        hubs.GetOrAdd(hubId, _ => new Watch()).WaitAsync(after, timeout);

    /// <summary>
    /// Waits until nothing has passed between this hub and the server for <paramref name="quiet"/>, so the next command
    /// meets an idle home rather than the tail of the last cycle.
    /// </summary>
    public async Task WaitQuietAsync(Guid hubId, TimeSpan quiet, TimeSpan cap)
    {
        var watch = hubs.GetOrAdd(hubId, _ => new Watch());
        var deadline = Stopwatch.GetTimestamp() + (long)(cap.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var idle = Stopwatch.GetElapsedTime(watch.LastSeen);
            if (idle >= quiet)
            {
                return;
            }

            await Task.Delay(quiet - idle);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (client.IsConnected)
        {
            await client.DisconnectAsync();
        }

        client.Dispose();
    }

    private sealed class Watch
    {
        private readonly Lock gate = new();
        private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long locked;
        private long lastSeen = Stopwatch.GetTimestamp();

        public long LastSeen => Interlocked.Read(ref lastSeen);

        public long Locked
        {
            get
            {
                lock (gate)
                {
                    return locked;
                }
            }
        }

        public void Seen(string value)
        {
            TaskCompletionSource previous;
            Interlocked.Exchange(ref lastSeen, Stopwatch.GetTimestamp());
            lock (gate)
            {
                if (value == "locked")
                {
                    locked++;
                }

                previous = changed;
                changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            previous.TrySetResult();
        }

        public async Task<bool> WaitAsync(long after, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                Task next;
                lock (gate)
                {
                    if (locked > after)
                    {
                        return true;
                    }

                    next = changed.Task;
                }

                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || await Task.WhenAny(next, Task.Delay(left)) != next)
                {
                    return false;
                }
            }
        }
    }
}
