using System.Text.Json;
using Threshold.Protocol.Events;

namespace Threshold.Protocol.Tests.Events;

public sealed class HubEventJsonTests
{
    private static readonly Guid Lock = Guid.Parse("6f9619ff-8b86-d011-b42d-00cf4fc964ff");
    private static readonly DateTimeOffset At = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    public static TheoryData<HubEvent> EveryType() =>
    [
        new DoorOpened(1, At, Lock),
        new DoorClosed(2, At, Lock),
        new BoltLocked(3, At, Lock, BoltSources.Command),
        new BoltUnlocked(4, At, Lock, BoltSources.Keypad),
        new BoltJammed(5, At, Lock, BoltSources.Manual),
        new BoltNotFullyLocked(6, At, Lock, BoltSources.Auto),
        new Relocked(7, At, Lock, RelockReasons.MaxUnlockedTime),
        new DeviceAvailability(8, At, DeviceNames.Bridge, false),
        new CommandExecuted(9, At, "jti-1", "unlock", Lock, "delivery:" + Guid.NewGuid()),
        new CommandExecuted(10, At, "jti-2", "sync_credentials", Lock, null, 12),
        new CommandRefused(11, At, null, ProtocolErrors.Malformed),
        new CommandRefused(12, At, "jti-3", ProtocolErrors.Replayed),
        new Alarm(13, At, AlarmCodes.DoorForced, Lock),
        new Alarm(14, At, AlarmCodes.KeypadNotAllowed, Lock, 3, "cred-1", "outside_window"),
        new Alarm(15, At, AlarmCodes.RelockFailed, Lock, Reason: RelockReasons.DoorClosed, Error: "timeout"),
        new Alarm(16, At, AlarmCodes.KeypadUnknownUser, null, 30),
        new SlotTable(17, At, 4, [new SlotEntry(1, "cred-1", SlotStates.Programmed), new SlotEntry(2, "cred-2", SlotStates.Pending)], Lock),
        new SlotTable(18, At, 0, []),
        new KeypadEntry(19, At, "cred-1", 1, Lock),
        new CredentialUsedUp(20, At, "cred-1", 1, Lock),
        new KeypadDisabled(21, At, At.AddMinutes(5), Lock),
        new KeypadEnabled(22, At, At.AddMinutes(5), Lock),
    ];

    [Theory]
    [MemberData(nameof(EveryType))]
    public void ToElement_EveryType_ReadsBackEqual(HubEvent evt)
    {
        var element = HubEventJson.ToElement(evt);

        Assert.True(HubEventJson.TryRead(element, out var read, out var error), error);
        Assert.Equal(evt, read);
        Assert.Equal(evt.Id, element.GetProperty("id").GetInt64());
        Assert.Equal(JsonValueKind.String, element.GetProperty("type").ValueKind);
    }

    [Fact]
    public void ToElement_Instants_UtcMillisecondsWithZ()
    {
        var element = HubEventJson.ToElement(new KeypadDisabled(5, At.AddMilliseconds(123).ToOffset(TimeSpan.FromHours(2)), At.AddSeconds(300), Lock));

        Assert.Equal("2026-11-24T10:00:00.123Z", element.GetProperty("at").GetString());
        Assert.Equal("2026-11-24T10:05:00.000Z", element.GetProperty("until").GetString());
    }

    [Fact]
    public void TryRead_AsTheHubWritesThem_Typed()
    {
        // The hub's outbox writes id, type, at first, then the fields; "at" in milliseconds with Z.
        var json = $$"""
            [{"id":1,"type":"bolt_unlocked","at":"2026-11-24T10:00:00.123Z","lockId":"{{Lock}}","source":"command"},
             {"id":2,"type":"command_executed","at":"2026-11-24T10:00:01.000Z","jti":"j","cmd":"sync_credentials","lockId":"{{Lock}}","reference":null,"version":7},
             {"id":3,"type":"alarm","at":"2026-11-24T10:00:02.000Z","alarm":"relock_failed","lockId":"{{Lock}}","reason":"door_closed","error":"offline"},
             {"id":4,"type":"slot_table","at":"2026-11-24T10:00:03.000Z","version":7,"slots":[{"slot":1,"credentialId":"c","state":"pending"}],"lockId":"{{Lock}}"},
             {"id":5,"type":"keypad_disabled","at":"2026-11-24T10:00:04.000Z","until":"2026-11-24T10:05:04.000Z","lockId":"{{Lock}}"}]
            """;
        using var doc = JsonDocument.Parse(json);

        var read = doc.RootElement.EnumerateArray().Select(e => HubEventJson.TryRead(e, out var evt, out _) ? evt : null).ToList();

        Assert.Equal(new BoltUnlocked(1, At.AddMilliseconds(123), Lock, "command"), read[0]);
        Assert.Equal(7, Assert.IsType<CommandExecuted>(read[1]).Version);
        Assert.Equal(("relock_failed", "door_closed", "offline"), (Assert.IsType<Alarm>(read[2]).Code, ((Alarm)read[2]!).Reason, ((Alarm)read[2]!).Error));
        Assert.Equal("c", Assert.Single(Assert.IsType<SlotTable>(read[3]).Slots).CredentialId);
        Assert.Equal(At.AddSeconds(304), Assert.IsType<KeypadDisabled>(read[4]).Until);
    }

    [Fact]
    public void TryRead_UnknownExtraField_Ignored()
    {
        using var doc = JsonDocument.Parse($$"""{"id":1,"type":"door_opened","at":"2026-11-24T10:00:00Z","lockId":"{{Lock}}","angle":90}""");

        Assert.True(HubEventJson.TryRead(doc.RootElement, out var evt, out _));
        Assert.IsType<DoorOpened>(evt);
    }

    [Theory]
    [InlineData("""{"id":1,"type":"teleported","at":"2026-11-24T10:00:00Z"}""", "type: not a known type")]
    [InlineData("""{"id":1,"type":"DOOR_OPENED","at":"2026-11-24T10:00:00Z","lockId":"6f9619ff-8b86-d011-b42d-00cf4fc964ff"}""", "type: not a known type")]
    [InlineData("""{"id":1,"at":"2026-11-24T10:00:00Z","lockId":"6f9619ff-8b86-d011-b42d-00cf4fc964ff"}""", "type: required")]
    [InlineData("""{"id":1,"type":7,"at":"2026-11-24T10:00:00Z"}""", null)]
    [InlineData("""{"id":1,"type":"door_opened","lockId":"6f9619ff-8b86-d011-b42d-00cf4fc964ff"}""", "at: required")]
    [InlineData("""{"type":"door_opened","at":"2026-11-24T10:00:00Z","lockId":"6f9619ff-8b86-d011-b42d-00cf4fc964ff"}""", "id: required")]
    [InlineData("""{"id":"1","type":"door_opened","at":"2026-11-24T10:00:00Z","lockId":"6f9619ff-8b86-d011-b42d-00cf4fc964ff"}""", "id: not of the expected type")]
    [InlineData("""{"id":1,"type":"door_opened","at":"2026-11-24T10:00:00","lockId":"6f9619ff-8b86-d011-b42d-00cf4fc964ff"}""", "at: an ISO 8601 date-time with offset, e.g. 2026-11-23T10:00:00Z")]
    [InlineData("""{"id":1,"type":"door_opened","at":"2026-11-24T10:00:00Z"}""", "lockId: required")]
    [InlineData("""{"id":1,"type":"door_opened","at":"2026-11-24T10:00:00Z","lockId":"front-door"}""", "lockId: not of the expected type")]
    [InlineData("""{"id":1,"type":"alarm","at":"2026-11-24T10:00:00Z","alarm":null}""", "alarm: must not be null")]
    [InlineData("""{"id":1,"type":"command_refused","at":"2026-11-24T10:00:00Z","error":"malformed"}""", "jti: required")]
    [InlineData("""{"id":1,"type":"slot_table","at":"2026-11-24T10:00:00Z","version":1,"slots":[{"slot":1,"credentialId":"c"}]}""", "slots[0].state: required")]
    [InlineData("""{"id":1,"type":"door_opened","type":"door_closed","at":"2026-11-24T10:00:00Z","lockId":"6f9619ff-8b86-d011-b42d-00cf4fc964ff"}""", "type: appears twice")]
    public void TryRead_Garbage_FalseWithReason(string json, string? reason)
    {
        using var doc = JsonDocument.Parse(json);

        Assert.False(HubEventJson.TryRead(doc.RootElement, out var evt, out var error));
        Assert.Null(evt);
        Assert.False(string.IsNullOrEmpty(error));
        if (reason is not null)
        {
            Assert.Equal(reason, error);
        }
    }

    [Theory]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\"door_opened\"")]
    [InlineData("42")]
    public void TryRead_NotAnObject_False(string json)
    {
        using var doc = JsonDocument.Parse(json);

        Assert.False(HubEventJson.TryRead(doc.RootElement, out _, out var error));
        Assert.NotNull(error);
    }
}
