using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Threshold.Hub.Zigbee;
using Threshold.Hub.Tests.Support;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Keys;
using Xunit.Abstractions;

namespace Threshold.Hub.Tests;

public sealed class CommandTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Unlock_ValidCommand_UnlocksThenRepliesOkAndRecordsEvent()
    {
        await using var h = await HubHarness.StartAsync(output);

        var reply = await h.CommandAsync("unlock", "jti-unlock-1");

        Assert.True(reply.Ok, reply.Error);
        Assert.Equal("unlocked", h.Zigbee.LockState);
        Assert.Equal(["UNLOCK"], h.Zigbee.SetCommands);
        await h.Server.WaitEventAsync("command_executed", "jti", "jti-unlock-1");
        var executed = h.Server.Events("command_executed").Single();
        Assert.Equal("unlock", executed.GetProperty("cmd").GetString());
        Assert.Equal(h.LockId, executed.GetProperty("lockId").GetString());
        Assert.Equal("delivery:42", executed.GetProperty("reference").GetString());
        await h.Server.WaitEventAsync("bolt_unlocked", "source", "command");
    }

    [Fact]
    public async Task Unlock_AfterServerBrokerFirstRefusedTheCmdSubscription_IsCarriedOut()
    {
        // The first connection comes up deaf (cmd and ack refused, as an ACL would): it is dropped and set up again.
        await using var h = await HubHarness.StartAsync(output, beforeHub: h =>
        {
            h.ServerBroker.RefuseSubscriptions(2);
            return Task.CompletedTask;
        });

        await Eventually.UntilAsync(() => h.ServerBroker.WasGranted(h.TopicPrefix + "cmd"), "cmd subscribed on a later connection");
        var reply = await h.CommandAsync("unlock");

        Assert.True(reply.Ok, reply.Error);
        Assert.Equal("unlocked", h.Zigbee.LockState);
        Assert.Equal(2, h.ServerBroker.RefusedSubscriptions);
    }

    [Fact]
    public async Task Lock_ValidCommand_LocksAndRepliesOk()
    {
        await using var h = await HubHarness.StartAsync(output);
        Assert.True((await h.CommandAsync("unlock")).Ok);

        var reply = await h.CommandAsync("lock");

        Assert.True(reply.Ok, reply.Error);
        Assert.Equal("locked", h.Zigbee.LockState);
    }

    [Fact]
    public async Task ReplayedJti_IsRefused_AlsoAfterHubRestart()
    {
        await using var h = await HubHarness.StartAsync(output);
        var jws = h.Sign("unlock", "jti-replay");
        await h.Server.SendCommandAsync(jws);
        Assert.True((await h.Server.WaitReplyAsync("jti-replay")).Ok);
        Assert.True((await h.CommandAsync("lock")).Ok);

        await h.Server.SendCommandAsync(jws);
        await Eventually.UntilAsync(() => h.Server.Replies.Count(r => r.Jti == "jti-replay") == 2, "second reply", h.Server.Changed);
        Assert.Equal("replayed", h.Server.Replies.Last(r => r.Jti == "jti-replay").Error);

        await h.StopHubAsync();
        await h.StartHubAsync();
        await h.Server.SendCommandAsync(jws);
        await Eventually.UntilAsync(() => h.Server.Replies.Count(r => r.Jti == "jti-replay") == 3, "third reply", h.Server.Changed);
        Assert.Equal("replayed", h.Server.Replies.Last(r => r.Jti == "jti-replay").Error);
        Assert.Equal("locked", h.Zigbee.LockState);
        Assert.Equal(1, h.Zigbee.SetCommands.Count(c => c == "UNLOCK"));
        await Eventually.UntilAsync(() => h.Server.Events("command_refused", "error", "replayed").Length == 2, "two replayed events", h.Server.Changed);
    }

    public static TheoryData<string> RefusalCases => ["other_key", "alg_none", "wrong_audience", "expired", "wrong_issuer", "unknown_device", "unknown_kid", "audience_other_spelling", "device_other_spelling"];

    [Theory]
    [MemberData(nameof(RefusalCases))]
    public async Task BadCommand_IsRefused_ReportedAndNeverActuates(string kind)
    {
        await using var h = await HubHarness.StartAsync(output);
        var jti = "jti-" + kind;
        string jws;
        string expected;
        switch (kind)
        {
            case "other_key":
                using (var other = ECDsa.Create(ECCurve.NamedCurves.nistP256))
                {
                    // Same kid, wrong key: the signature does not verify.
                    jws = new CommandSigner(other, h.Kid, HubHarness.Issuer, h.Time).Sign(h.HubId, h.LockId, "unlock", null, null, jti);
                }

                expected = "bad_signature";
                break;
            case "unknown_kid":
                using (var other = ECDsa.Create(ECCurve.NamedCurves.nistP256))
                {
                    jws = new CommandSigner(other, KeyEncoding.KeyId(other), HubHarness.Issuer, h.Time).Sign(h.HubId, h.LockId, "unlock", null, null, jti);
                }

                expected = "unknown_kid";
                break;
            case "alg_none":
                var header = Base64Url.EncodeToString(Encoding.UTF8.GetBytes($$"""{"alg":"none","typ":"thr-cmd+jwt","kid":"{{h.Kid}}"}"""));
                var now = h.Time.GetUtcNow().ToUnixTimeSeconds();
                var payload = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
                    $$"""{"iss":"{{HubHarness.Issuer}}","aud":"{{h.HubId}}","sub":"{{h.LockId}}","jti":"{{jti}}","iat":{{now}},"nbf":{{now}},"exp":{{now + 30}},"cmd":"unlock","args":{} }"""));
                jws = header + "." + payload + ".";
                expected = "alg_not_allowed";
                break;
            case "wrong_audience":
                jws = h.Sign("unlock", jti, audience: Guid.NewGuid().ToString());
                expected = "wrong_audience";
                break;
            case "wrong_issuer":
                jws = new CommandSigner(h.ServerKey, h.Kid, "someone-else", h.Time).Sign(h.HubId, h.LockId, "unlock", null, null, jti);
                expected = "wrong_issuer";
                break;
            case "unknown_device":
                jws = h.Sign("unlock", jti, deviceId: Guid.NewGuid().ToString());
                expected = "unknown_device";
                break;
            case "audience_other_spelling":
                // This hub's own id without dashes: the one spelling only (Protocol's HubIds), no second verifier.
                jws = h.Sign("unlock", jti, audience: h.HubGuid.ToString("N"));
                expected = "wrong_audience";
                break;
            case "device_other_spelling":
                // The paired lock's id in upper case: the one spelling only, as for the hub id.
                jws = h.Sign("unlock", jti, deviceId: h.LockGuid.ToString("D").ToUpperInvariant());
                expected = "unknown_device";
                break;
            default:
                jws = h.Sign("unlock", jti, TimeSpan.FromSeconds(10));
                h.Time.Advance(TimeSpan.FromSeconds(20));
                expected = "expired";
                break;
        }

        await h.Server.SendCommandAsync(jws);
        var reply = await h.Server.WaitReplyAsync(jti);

        Assert.False(reply.Ok);
        Assert.Equal(expected, reply.Error);
        await h.Server.WaitEventAsync("command_refused", "jti", jti);
        Assert.Equal(expected, h.Server.Events("command_refused", "jti", jti).Single().GetProperty("error").GetString());
        Assert.Empty(h.Zigbee.SetCommands);
        Assert.Equal("locked", h.Zigbee.LockState);
    }

    [Fact]
    public async Task GarbageAndOversizedPayloads_AreDropped_HubKeepsWorking()
    {
        await using var h = await HubHarness.StartAsync(output);

        await h.Server.PublishAsync("cmd", Encoding.UTF8.GetBytes("not json at all"));
        await h.Server.PublishAsync("cmd", Encoding.UTF8.GetBytes("""{"jws":42}"""));
        await h.Server.PublishAsync("cmd", Encoding.UTF8.GetBytes("[1,2,3]"));
        await h.Server.PublishAsync("cmd", [0xff, 0xfe, 0x00]);
        await h.Server.PublishAsync("cmd", Encoding.UTF8.GetBytes($$"""{"jws":"{{new string('a', 20_000)}}"}"""));
        await h.Server.PublishAsync("cmd", Encoding.UTF8.GetBytes("""{"jws":"a.b.c"}"""));
        await h.Server.PublishAsync("ack", Encoding.UTF8.GetBytes("""{"seq":"x"}"""));
        // Device side garbage too.
        await h.Zigbee.PublishAsync("zigbee2mqtt/front_door_lock", "{{{", retain: false);
        await h.Zigbee.PublishAsync("zigbee2mqtt/front_door_lock", """{"lock_state":"exploded"}""", retain: false);
        await h.Zigbee.PublishAsync("zigbee2mqtt/front_door_contact", """{"contact":"yes"}""", retain: false);
        await h.Zigbee.PublishAsync("zigbee2mqtt/front_door_lock/availability", "[]", retain: false);

        var reply = await h.CommandAsync("unlock");

        Assert.True(reply.Ok, reply.Error);
        Assert.DoesNotContain(h.Server.Replies, r => r.Jti is null);
        // "a.b.c" is a malformed JWS: no jti readable, so only an event.
        await h.Server.WaitEventAsync("command_refused", "error", "malformed");
        Assert.Equal(DoorState.Closed, h.Controller.Snapshot.Door);
    }

    [Fact]
    public async Task Unlock_WhenLockDoesNotAnswer_RepliesActuationFailed()
    {
        await using var h = await HubHarness.StartAsync(output, s => s.CommandTimeoutSeconds = 0.5);
        h.Zigbee.Behaviour = LockBehaviour.Silent;

        var reply = await h.CommandAsync("unlock");

        Assert.False(reply.Ok);
        Assert.Equal("actuation_failed", reply.Error);
    }

    [Fact]
    public async Task Unlock_WhenLockOffline_RepliesDeviceOffline()
    {
        await using var h = await HubHarness.StartAsync(output);
        await h.Zigbee.PublishAsync("zigbee2mqtt/front_door_lock/availability", """{"state":"offline"}""", retain: true);
        await h.UntilAsync(s => !s.LockOnline, "lock offline");

        var reply = await h.CommandAsync("unlock");

        Assert.Equal("device_offline", reply.Error);
        Assert.Empty(h.Zigbee.SetCommands);
        await h.Server.WaitEventAsync("alarm", "alarm", "device_offline");
        await h.Server.WaitEventAsync("device_availability", "device", "lock");
    }
}
