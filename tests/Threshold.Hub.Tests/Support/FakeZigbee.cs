using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MQTTnet;
using MQTTnet.Protocol;

namespace Threshold.Hub.Tests.Support;

public enum LockBehaviour
{
    Normal,
    JamOnLock,
    Silent,

    /// <summary>Reports the new state first and the operation event (action, source) in a message of its own after it.</summary>
    SplitReports,
}

/// <summary>
/// A tiny zigbee2mqtt stand-in (shared/reference/devices.md): a lock that answers /set and /get with its whole
/// state object, a contact sensor (contact true = closed), availability and bridge state, all retained.
/// </summary>
public sealed class FakeZigbee : IAsyncDisposable
{
    public const string Base = "zigbee2mqtt";
    public const string LockName = "front_door_lock";
    public const string ContactName = "front_door_contact";

    private readonly IMqttClient client = new MqttClientFactory().CreateMqttClient();

    public string LockState { get; private set; } = "locked";

    public bool DoorClosed { get; private set; } = true;

    public LockBehaviour Behaviour { get; set; } = LockBehaviour.Normal;

    public ConcurrentQueue<string> SetCommands { get; } = new();

    /// <summary>/set payloads other than state (pin_code, user_status).</summary>
    public ConcurrentQueue<string> OtherCommands { get; } = new();

    public int GetRequests;

    /// <summary>Whether a PIN set or clear is reported back (a real lock does once it has stored it).</summary>
    public bool ConfirmPins { get; set; } = true;

    /// <summary>Fires after each /set or /get has been handled.</summary>
    public Signal Changed { get; } = new();

    public static async Task<FakeZigbee> StartAsync(int port, string lockState = "locked", bool doorClosed = true)
    {
        var fake = new FakeZigbee { LockState = lockState, DoorClosed = doorClosed };
        await fake.ConnectAsync(port);
        return fake;
    }

    private async Task ConnectAsync(int port)
    {
        client.ApplicationMessageReceivedAsync += e =>
        {
            var topic = e.ApplicationMessage.Topic;
            var payload = Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray());
            _ = Task.Run(async () =>
            {
                try
                {
                    await OnRequestAsync(topic, payload);
                }
                finally
                {
                    Changed.Pulse();
                }
            });
            return Task.CompletedTask;
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("fake-z2m-" + Guid.NewGuid().ToString("N")[..8]).Build());
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"{Base}/{LockName}/set", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter($"{Base}/{LockName}/get", MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        await PublishAsync($"{Base}/bridge/state", """{"state":"online"}""", retain: true);
        await PublishAsync($"{Base}/{LockName}/availability", """{"state":"online"}""", retain: true);
        await PublishAsync($"{Base}/{ContactName}/availability", """{"state":"online"}""", retain: true);
        await PublishContactAsync();
        await PublishLockAsync();
    }

    private async Task OnRequestAsync(string topic, string payload)
    {
        using var doc = JsonDocument.Parse(payload);
        if (topic.EndsWith("/get", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref GetRequests);
            await PublishLockAsync();
            return;
        }

        if (!doc.RootElement.TryGetProperty("state", out var stateElement))
        {
            // PIN slots and user status: this fake lock records them and, like a real one, reports a PIN set or clear.
            OtherCommands.Enqueue(payload);
            if (ConfirmPins && doc.RootElement.TryGetProperty("pin_code", out var pin) && pin.TryGetProperty("user", out var user) && user.TryGetInt32(out var slot))
            {
                var cleared = !pin.TryGetProperty("pin_code", out var code) || code.ValueKind == JsonValueKind.Null;
                await PublishLockAsync(action: cleared ? "pin_code_deleted" : "pin_code_added", source: "rf", user: slot);
            }

            return;
        }

        var state = stateElement.GetString()!;
        SetCommands.Enqueue(state);
        switch (Behaviour)
        {
            case LockBehaviour.Silent:
                return;
            case LockBehaviour.JamOnLock when state == "LOCK":
                LockState = "not_fully_locked";
                await PublishLockAsync(doorState: "error_jammed");
                return;
            case LockBehaviour.SplitReports:
                LockState = state == "LOCK" ? "locked" : "unlocked";
                await PublishLockAsync();
                await PublishLockAsync(action: state == "LOCK" ? "lock" : "unlock", source: "rf");
                return;
            default:
                LockState = state == "LOCK" ? "locked" : "unlocked";
                await PublishLockAsync(action: state == "LOCK" ? "lock" : "unlock", source: "rf");
                return;
        }
    }

    public async Task PublishLockAsync(string? action = null, string? source = null, int? user = null, string? doorState = null)
    {
        var body = new JsonObject
        {
            ["state"] = LockState == "unlocked" ? "UNLOCK" : "LOCK",
            ["lock_state"] = LockState,
            ["auto_relock_time"] = 0,
            ["sound_volume"] = "low_volume",
            ["battery"] = 87,
            ["linkquality"] = 132,
        };
        if (action is not null)
        {
            body["action"] = action;
            body["action_source_name"] = source;
            body["action_source"] = source switch { "keypad" => 0, "rf" => 1, "manual" => 2, _ => 3 };
            if (user is not null)
            {
                body["action_user"] = user;
            }
        }

        if (doorState is not null)
        {
            body["door_state"] = doorState;
        }

        await PublishAsync($"{Base}/{LockName}", body.ToJsonString(), retain: false);
    }

    public async Task KeypadUnlockAsync(int user)
    {
        LockState = "unlocked";
        await PublishLockAsync("unlock", "keypad", user);
    }

    /// <summary>The thumb-turn, from inside.</summary>
    public async Task ManualUnlockAsync()
    {
        LockState = "unlocked";
        await PublishLockAsync("manual_unlock", "manual");
    }

    public async Task SetDoorAsync(bool closed)
    {
        DoorClosed = closed;
        await PublishContactAsync();
    }

    public Task PublishContactAsync() =>
        PublishAsync($"{Base}/{ContactName}", new JsonObject { ["contact"] = DoorClosed, ["battery"] = 100, ["linkquality"] = 90 }.ToJsonString(), retain: true);

    public async Task PublishAsync(string topic, string payload, bool retain) =>
        await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(Encoding.UTF8.GetBytes(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build());

    public async ValueTask DisposeAsync()
    {
        if (client.IsConnected)
        {
            await client.DisconnectAsync();
        }

        client.Dispose();
    }
}
