using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using Threshold.Protocol.Events;
using Threshold.Protocol.Messages;

namespace Threshold.Hub.HomeBroker;

/// <summary>What one check found: <see cref="State"/> is one of <see cref="HomeBrokerStates"/>, <see cref="Reason"/> one of <see cref="HomeBrokerOpenReasons"/>.</summary>
internal sealed record HomeBrokerFinding(string State, string? Reason = null);

/// <summary>
/// One check of the home broker from an intruder's seat. The hub knows only its own credentials, so it tries who else
/// might get in: an anonymous client, a made-up user, and its own user name with a wrong password. Anonymous admitted is
/// open by itself; any other client admitted publishes a probe <c>set</c>, and the broker is open if the hub's own
/// subscription receives it. Every client here is its own, short-lived (one owner per connection: the hub's device
/// connection, Zigbee/ZigbeeConnection.cs, is never touched), with a fresh client id so no session is taken over.
/// A probe can move no device: it goes to <c>&lt;base&gt;/threshold-probe-&lt;random&gt;/set</c>, a device no install
/// has (the settings refuse device names with that prefix), is never retained, and carries no command a device knows.
/// </summary>
internal sealed partial class HomeBrokerProbe(IOptions<HubSettings> options, ILogger<HomeBrokerProbe> logger)
{
    internal const string DevicePrefix = "threshold-probe-";
    private const string Marker = "threshold_probe";
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private readonly MqttClientFactory factory = new();

    public async Task<HomeBrokerFinding> RunAsync(CancellationToken ct)
    {
        var zigbee = options.Value.Zigbee;
        var wait = TimeSpan.FromSeconds(options.Value.HomeBrokerCheck.ProbeTimeoutSeconds);
        var nonce = Random();
        var topic = $"{zigbee.BaseTopic}/{DevicePrefix}{nonce}/set";
        var heard = new ConcurrentDictionary<string, TaskCompletionSource>();
        using var listener = factory.CreateMqttClient();
        listener.ApplicationMessageReceivedAsync += e =>
        {
            // The receive path only completes a wait; payloads other than our own markers are ignored.
            if (e.ApplicationMessage.Topic == topic && e.ApplicationMessage.Payload.Length <= 128
                && heard.TryGetValue(Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray()), out var waiting))
            {
                waiting.TrySetResult();
            }

            return Task.CompletedTask;
        };

        try
        {
            await listener.ConnectAsync(ClientOptions(zigbee.Username, zigbee.Password), ct);
            var subscribe = new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce).Build();
            MqttSupervisor.EnsureGranted(await listener.SubscribeAsync(subscribe, ct));
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The hub's own user cannot get in or listen: nothing here can say who else could.
            LogInconclusive(logger, zigbee.Host, zigbee.Port, e.Message);
            return new HomeBrokerFinding(HomeBrokerStates.Unknown);
        }

        try
        {
            var anonymousAdmitted = false;
            foreach (var (user, password) in Intruders(zigbee.Username))
            {
                using var intruder = factory.CreateMqttClient();
                if (!await AdmitsAsync(intruder, user, password, ct))
                {
                    continue;
                }

                anonymousAdmitted |= user is null;
                LogAdmitted(logger, user is null ? "an anonymous client" : "a client with a password the hub made up");
                var delivered = await SetDeliveredAsync(intruder, listener, topic, heard, wait, ct);
                await DisconnectAsync(intruder);
                if (delivered)
                {
                    return new HomeBrokerFinding(HomeBrokerStates.Open, HomeBrokerOpenReasons.SetByOtherClient);
                }
            }

            return anonymousAdmitted
                ? new HomeBrokerFinding(HomeBrokerStates.Open, HomeBrokerOpenReasons.AnonymousAdmitted)
                : new HomeBrokerFinding(HomeBrokerStates.Closed);
        }
        finally
        {
            await DisconnectAsync(listener);
        }
    }

    /// <summary>Anonymous, a made-up user, and (if the hub has one) the hub's own user name with a wrong password.</summary>
    private static IEnumerable<(string? User, string? Password)> Intruders(string? hubUser)
    {
        yield return (null, null);
        yield return (DevicePrefix + Random()[..12], Random());
        if (!string.IsNullOrEmpty(hubUser))
        {
            yield return (hubUser, Random());
        }
    }

    private async Task<bool> AdmitsAsync(IMqttClient client, string? user, string? password, CancellationToken ct)
    {
        try
        {
            await client.ConnectAsync(ClientOptions(user, password), ct);
            return client.IsConnected;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return false; // refused (bad user name or password, not authorised) or the connection was dropped
        }
    }

    /// <summary>
    /// The intruder publishes a probe; once the broker has acknowledged it, the hub publishes a barrier to the same topic.
    /// A broker routes in order, so when the barrier reaches the hub's subscription without the probe, the probe was refused.
    /// </summary>
    private static async Task<bool> SetDeliveredAsync(
        IMqttClient intruder, IMqttClient listener, string topic, ConcurrentDictionary<string, TaskCompletionSource> heard, TimeSpan wait, CancellationToken ct)
    {
        var probe = Payload();
        var barrier = Payload();
        var probeHeard = heard.GetOrAdd(probe, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var barrierHeard = heard.GetOrAdd(barrier, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            await intruder.PublishAsync(Message(topic, probe), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // A broker may answer a refused publish by dropping the client; the barrier still tells.
        }

        await listener.PublishAsync(Message(topic, barrier), ct);
        try
        {
            await Task.WhenAny(probeHeard.Task, barrierHeard.Task).WaitAsync(wait, ct);
        }
        catch (TimeoutException)
        {
            // Neither came (the hub may not publish there): only a probe that arrived counts.
        }

        return probeHeard.Task.IsCompleted;
    }

    private MqttClientOptions ClientOptions(string? user, string? password)
    {
        var zigbee = options.Value.Zigbee;
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(zigbee.Host, zigbee.Port)
            .WithClientId(DevicePrefix + Random()[..12])
            .WithCleanSession()
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
            .WithTimeout(ConnectTimeout);
        return string.IsNullOrEmpty(user) ? builder.Build() : builder.WithCredentials(user, password).Build();
    }

    private static MqttApplicationMessage Message(string topic, string payload) => new MqttApplicationMessageBuilder()
        .WithTopic(topic)
        .WithPayload(Encoding.UTF8.GetBytes(payload))
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .WithRetainFlag(false)
        .Build();

    private static string Payload() => $$"""{"{{Marker}}":"{{Random()}}"}""";

    private static string Random() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private async Task DisconnectAsync(IMqttClient client)
    {
        if (!client.IsConnected)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogDisconnectFailed(logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Home broker check inconclusive: the hub's own client at {Host}:{Port}: {Error}")]
    private static partial void LogInconclusive(ILogger logger, string host, int port, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The home broker admitted {Who}")]
    private static partial void LogAdmitted(ILogger logger, string who);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Home broker check: disconnect failed: {Error}")]
    private static partial void LogDisconnectFailed(ILogger logger, string error);
}
