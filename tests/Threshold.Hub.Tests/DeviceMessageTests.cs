using System.Text;
using Microsoft.Extensions.Options;
using Threshold.Hub.Zigbee;
using Threshold.Hub.Tests.Support;

namespace Threshold.Hub.Tests;

public sealed class DeviceMessageTests
{
    [Theory]
    [InlineData("""{"state":"LOCK","lock_state":"locked","battery":90,"linkquality":120,"auto_relock_time":0,"sound_volume":"silent_mode"}""", "Locked")]
    [InlineData("""{"state":"UNLOCK","lock_state":"unlocked"}""", "Unlocked")]
    [InlineData("""{"state":"LOCK","lock_state":"not_fully_locked"}""", "NotFullyLocked")]
    [InlineData("""{"state":"UNLOCK"}""", "Unlocked")]
    public void ParseLock_KnownStates(string json, string expected)
    {
        var report = DeviceMessages.ParseLock(Encoding.UTF8.GetBytes(json), out var error);
        Assert.Null(error);
        Assert.Equal(expected, report!.Bolt.ToString());
    }

    [Fact]
    public void ParseLock_KeypadAction_AndJammedDoorState()
    {
        var keypad = DeviceMessages.ParseLock(
            """{"action":"unlock","action_user":3,"action_source":0,"action_source_name":"keypad","lock_state":"unlocked"}"""u8, out _)!;
        Assert.Equal(("unlock", "keypad", 3), (keypad.Action, keypad.ActionSource, keypad.ActionUser));

        var jammed = DeviceMessages.ParseLock("""{"lock_state":"not_fully_locked","door_state":"error_jammed"}"""u8, out _)!;
        Assert.True(jammed.Jammed);

        Assert.Null(DeviceMessages.ParseLock("""{"battery":55,"linkquality":3}"""u8, out var none));
        Assert.Null(none);
    }

    /// <summary>zigbee2mqtt's <c>rf</c> is anyone's radio command, not the hub's: only the door knows which were its own.</summary>
    [Theory]
    [InlineData("unlock", "rf", "rf")]
    [InlineData("unlock", "keypad", "keypad")]
    [InlineData("manual_unlock", "manual", "manual")]
    [InlineData("key_unlock", null, "manual")]
    [InlineData("unlock", "rfid", "unknown")]
    [InlineData(null, null, "unknown")]
    [InlineData("schedule_unlock", "rf", "auto")]
    public void ParseLock_ActionSource_NamesWhoMovedTheBolt(string? action, string? source, string expected)
    {
        var json = new System.Text.Json.Nodes.JsonObject { ["lock_state"] = "unlocked", ["action"] = action, ["action_source_name"] = source };

        var report = DeviceMessages.ParseLock(Encoding.UTF8.GetBytes(json.ToJsonString()), out var error);

        Assert.Null(error);
        Assert.Equal(expected, report!.Source);
    }

    [Theory]
    [InlineData("")]
    [InlineData("nope")]
    [InlineData("[]")]
    [InlineData("""{"lock_state":"open"}""")]
    [InlineData("""{"lock_state":1}""")]
    [InlineData("""{"state":"MAYBE"}""")]
    [InlineData("""{"action":"self_destruct"}""")]
    [InlineData("""{"action_user":"three","lock_state":"locked"}""")]
    [InlineData("""{"door_state":5}""")]
    public void ParseLock_Garbage_IsRejectedWithReason(string json)
    {
        Assert.Null(DeviceMessages.ParseLock(Encoding.UTF8.GetBytes(json), out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void ParseContact_TrueMeansClosed_GarbageRejected()
    {
        Assert.True(DeviceMessages.ParseContact("""{"contact":true,"battery":100}"""u8, out _)!.Closed);
        Assert.False(DeviceMessages.ParseContact("""{"contact":false}"""u8, out _)!.Closed);
        Assert.Null(DeviceMessages.ParseContact("""{"contact":"closed"}"""u8, out var error));
        Assert.NotNull(error);
        Assert.Null(DeviceMessages.ParseContact(new byte[DeviceMessages.MaxPayloadBytes + 1], out error));
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("""{"state":"online"}""", true)]
    [InlineData("""{"state":"offline"}""", false)]
    [InlineData("online", true)]
    [InlineData("offline", false)]
    public void ParseOnline_BothForms(string payload, bool expected) =>
        Assert.Equal(expected, DeviceMessages.ParseOnline(Encoding.UTF8.GetBytes(payload), out _));
}

public sealed class SettingsTests
{
    [Fact]
    public void Defaults_MatchTheBrief()
    {
        var s = new HubSettings();
        Assert.Equal(("zigbee2mqtt", "front_door_lock", "front_door_contact"), (s.Zigbee.BaseTopic, s.Zigbee.LockDevice, s.Zigbee.ContactDevice));
        Assert.Equal((5d, 30d, 60d), (s.Relock.AfterCloseSeconds, s.Relock.MaxUnlockedSeconds, s.Relock.DoorHeldOpenSeconds));
        Assert.Equal(3d, s.Relock.LockedWhileOpenSeconds);
        Assert.Equal(5, s.ClockSkewSeconds);
    }

    [Fact]
    public async Task InvalidSettings_FailOnStart()
    {
        await using var h = await HubHarness.StartAsync();
        await h.StopHubAsync();
        var bad = new HubSettings
        {
            DataDirectory = h.DataDirectory,
            Zigbee = new ZigbeeSettings { Port = 0, BaseTopic = "zigbee2mqtt/#" },
            Relock = new RelockSettings { AfterCloseSeconds = -1, LockedWhileOpenSeconds = 0 },
        };
        using var host = HubHost.Build(bad);

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(e.Failures, f => f.Contains("Port", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.Contains("BaseTopic", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.Contains("AfterCloseSeconds", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.Contains("LockedWhileOpenSeconds", StringComparison.Ordinal));
    }
}
