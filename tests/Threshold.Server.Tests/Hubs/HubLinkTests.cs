using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using MQTTnet.Exceptions;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Credentials;
using Threshold.Protocol.Keys;
using Threshold.Protocol.Messages;
using Threshold.Protocol.Pairing;
using Threshold.Protocol.Topics;
using Threshold.Server.Data;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Hubs;

/// <summary>
/// The server's side of the hub link over the real embedded broker, with a hand-driven hub peer: what the server puts on
/// the wire reads as the records of Threshold.Protocol, and what it cannot read it drops.
/// </summary>
public sealed class HubLinkTests : IAsyncLifetime
{
    private ServerHost host = null!;
    private World world = null!;
    private TestHub hub = null!;

    public async Task InitializeAsync()
    {
        host = await ServerHost.StartAsync(new Dictionary<string, string> { ["Threshold:Mqtt:CommandTimeout"] = "00:00:02" }, fakeHub: false);
        world = await World.CreateAsync(host);
        hub = await TestHub.PairAsync(host, world.OwnerToken, world.HomeId);
        await hub.ConnectAsync();
        await hub.ReportOnlineAsync();
        await Eventually.UntilAsync(async () => (await HomeStateAsync()).GetProperty("hubOnline").GetBoolean(), "hub online");
    }

    public async Task DisposeAsync()
    {
        await hub.DisposeAsync();
        await host.DisposeAsync();
    }

    [Fact]
    public async Task Pair_CodeUsedTwice_InvalidCode()
    {
        var code = await (await host.Client(world.OwnerToken).PostAsync($"/api/v1/homes/{world.HomeId}/pairing-codes", null)).JsonAsync(HttpStatusCode.Created);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var dh = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var body = new { code = code.GetProperty("code").GetString(), name = "x", signingKey = KeyEncoding.ExportPublicSpki(key), sealingKey = KeyEncoding.ExportPublicSpki(dh) };
        await (await host.Client().PostAsJsonAsync("/api/v1/hubs/pair", body)).JsonAsync(HttpStatusCode.OK);
        await (await host.Client().PostAsJsonAsync("/api/v1/hubs/pair", body)).ProblemAsync(HttpStatusCode.NotFound, "invalid_code");
    }

    [Fact]
    public async Task Pair_CodeExpired_InvalidCode()
    {
        var code = await (await host.Client(world.OwnerToken).PostAsync($"/api/v1/homes/{world.HomeId}/pairing-codes", null)).JsonAsync(HttpStatusCode.Created);
        host.Clock.Advance(TimeSpan.FromMinutes(11));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var dh = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        await (await host.Client().PostAsJsonAsync("/api/v1/hubs/pair", new { code = code.GetProperty("code").GetString(), name = "x", signingKey = KeyEncoding.ExportPublicSpki(key), sealingKey = KeyEncoding.ExportPublicSpki(dh) }))
            .ProblemAsync(HttpStatusCode.NotFound, "invalid_code");
    }

    [Fact]
    public async Task Pair_P384Key_InvalidKey()
    {
        var code = await (await host.Client(world.OwnerToken).PostAsync($"/api/v1/homes/{world.HomeId}/pairing-codes", null)).JsonAsync(HttpStatusCode.Created);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var dh = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        await (await host.Client().PostAsJsonAsync("/api/v1/hubs/pair", new { code = code.GetProperty("code").GetString(), name = "x", signingKey = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()), sealingKey = KeyEncoding.ExportPublicSpki(dh) }))
            .ProblemAsync(HttpStatusCode.BadRequest, "invalid_key");
    }

    [Fact]
    public async Task Unlock_HubConfirms_CourierGetsOkAndCommandIsBoundToHubAndLock()
    {
        var serverKey = hub.Pairing.GetProperty("serverKeys")[0];
        var verifier = new CommandVerifier(
            new Dictionary<string, ECDsa> { [serverKey.GetProperty("kid").GetString()!] = KeyEncoding.ImportEcdsaPublicSpki(serverKey.GetProperty("spki").GetString()!) },
            hub.Pairing.GetProperty("issuer").GetString()!, hub.HubId.ToString(), host.Clock, TimeSpan.FromSeconds(5));
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);

        var unlock = host.UnlockAsync(world.CourierToken, world.DeliveryId);
        // The hub also receives its credential set (sync_credentials) when it comes online; pick the unlock.
        var command = await hub.WaitForAsync(m => m.Topic.EndsWith("/cmd", StringComparison.Ordinal)
            && verifier.Verify(JsonDocument.Parse(m.Payload).RootElement.GetProperty("jws").GetString()!).Claims?.Command == "unlock");
        var verified = verifier.Verify(JsonDocument.Parse(command).RootElement.GetProperty("jws").GetString()!);
        Assert.True(verified.Ok, verified.Error);
        Assert.Equal(("unlock", world.LockId.ToString(), $"delivery:{world.DeliveryId}"), (verified.Claims!.Command, verified.Claims.DeviceId, verified.Claims.Args["reference"]));
        Assert.True(verified.Claims.ExpiresAt - verified.Claims.IssuedAt <= TimeSpan.FromSeconds(60));

        await hub.PublishAsync(hub.Prefix + "reply", JsonSerializer.Serialize(new { jti = verified.Claims.Jti, ok = true }));
        await (await unlock).JsonAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Unlock_HubNeverReplies_HubTimeoutAndEntryConsumed()
    {
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        await (await host.UnlockAsync(world.CourierToken, world.DeliveryId)).ProblemAsync(HttpStatusCode.GatewayTimeout, "hub_timeout");
        await (await host.UnlockAsync(world.CourierToken, world.DeliveryId)).ProblemAsync(HttpStatusCode.Forbidden, "outside_window");
    }

    [Fact]
    public async Task Unlock_HubWentOffline_HubOffline()
    {
        await hub.PublishAsync(hub.Prefix + "state", "{\"online\":false}", retain: true);
        await Eventually.UntilAsync(async () => !(await HomeStateAsync()).GetProperty("hubOnline").GetBoolean(), "hub offline");
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).ProblemAsync(HttpStatusCode.ServiceUnavailable, "hub_offline");
    }

    [Fact]
    public async Task Events_SignedBatch_AppliedOnceAndAcked()
    {
        var opened = new { id = 1, type = "door_opened", at = "2026-11-24T10:00:00Z", lockId = world.LockId };
        await hub.SendBatchAsync(1, opened);
        await hub.WaitForAsync(m => m.Topic.EndsWith("/ack", StringComparison.Ordinal) && m.Payload.Contains("\"seq\":1", StringComparison.Ordinal));
        await hub.SendBatchAsync(1, opened);
        await Eventually.UntilAsync(() => Task.FromResult(hub.Received.Count(m => m.Topic.EndsWith("/ack", StringComparison.Ordinal)) >= 2), "two acks", hub.ReceivedOne);

        Assert.Equal(1, await CountAuditAsync("hub.batch"));
        Assert.Equal("open", (await HomeStateAsync()).GetProperty("locks")[0].GetProperty("door").GetString());
    }

    [Fact]
    public async Task Events_ForgedGappedOrGarbage_DroppedAndServerKeepsWorking()
    {
        using var forger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forged = new Threshold.Protocol.Events.BatchSigner(forger, "x").Sign(new Threshold.Protocol.Events.EventBatch(hub.HubId.ToString(), 1, [JsonSerializer.SerializeToElement(new { type = "door_opened" })]));
        await hub.PublishAsync(hub.Prefix + "evt", JsonSerializer.Serialize(new { jws = forged }));
        await hub.SendBatchAsync(3, new { id = 9, type = "door_opened", lockId = world.LockId });
        await hub.PublishBytesAsync(hub.Prefix + "evt", RandomNumberGenerator.GetBytes(2048));
        await hub.PublishAsync(hub.Prefix + "evt", "{\"jws\":42}");
        await hub.PublishAsync(hub.Prefix + "state", "[[[[");
        await hub.PublishAsync(hub.Prefix + "reply", "{\"jti\":null}");

        await hub.SendBatchAsync(1, new { id = 1, type = "alarm", at = "2026-11-24T10:00:00Z", alarm = "door_forced", lockId = world.LockId });
        await hub.WaitForAsync(m => m.Topic.EndsWith("/ack", StringComparison.Ordinal));
        Assert.DoesNotContain(hub.Received, m => m.Payload.Contains("\"seq\":3", StringComparison.Ordinal));
        Assert.Equal(1, await CountAuditAsync("hub.batch"));
        Assert.Equal(1, await CountAuditAsync("hub.alarm"));
        Assert.Contains(host.Logs.Lines, l => l.Contains("Rejected message from hub", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Broker_OtherHubsTopics_Refused()
    {
        var (_, ownerB) = await host.ResidentAsync();
        var (homeB, lockB) = await host.HomeAsync(ownerB);
        await using var hubB = await TestHub.PairAsync(host, ownerB, homeB);
        await hubB.ConnectAsync();

        Assert.NotEqual(MQTTnet.MqttClientSubscribeResultCode.GrantedQoS1, await hub.SubscribeAsync(hubB.Prefix + "cmd"));
        Assert.NotEqual(MQTTnet.MqttClientSubscribeResultCode.GrantedQoS1, await hub.SubscribeAsync("thr/v1/hubs/+/cmd"));
        Assert.NotEqual(MQTTnet.MqttClientSubscribeResultCode.GrantedQoS1, await hub.SubscribeAsync("#"));

        // Hub A forges a door event into hub B's event topic (signed with A's own key): it never reaches the server.
        var batch = new Threshold.Protocol.Events.BatchSigner(hub.Signing, "a").Sign(
            new Threshold.Protocol.Events.EventBatch(hubB.HubId.ToString(), 1, [JsonSerializer.SerializeToElement(new { id = 1, type = "door_opened", lockId = lockB })]));
        await hub.PublishAsync(hubB.Prefix + "evt", JsonSerializer.Serialize(new { jws = batch }));
        await hub.PublishAsync(hubB.Prefix + "cmd", "{\"jws\":\"x\"}");
        await Eventually.UntilAsync(() => Task.FromResult(host.Logs.Lines.Count(l => l.Contains("MQTT publish refused", StringComparison.Ordinal)) >= 2), "two refused publishes logged", host.Logs.Written);
        Assert.DoesNotContain(hubB.Received, m => m.Topic.EndsWith("/cmd", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Broker_WrongPasswordOrForeignClientId_Refused()
    {
        var (_, ownerB) = await host.ResidentAsync();
        var (homeB, _) = await host.HomeAsync(ownerB);
        await using var hubB = await TestHub.PairAsync(host, ownerB, homeB);
        await Assert.ThrowsAnyAsync<MqttCommunicationException>(() => hubB.ConnectAsync(password: "guess"));
        await using var hubC = await TestHub.PairAsync(host, ownerB, homeB);
        await Assert.ThrowsAnyAsync<MqttCommunicationException>(() => hubC.ConnectAsync(clientId: hub.Username));
    }

    [Fact]
    public async Task Broker_WillAimedAtAnotherHub_NeverReachesIt()
    {
        var (_, ownerB) = await host.ResidentAsync();
        var (homeB, _) = await host.HomeAsync(ownerB);
        await using var hubB = await TestHub.PairAsync(host, ownerB, homeB);
        await hubB.ConnectAsync();
        await hubB.ReportOnlineAsync();
        await Eventually.UntilAsync(async () => (await (await host.Client(ownerB).GetAsync($"/api/v1/homes/{homeB}")).JsonAsync(HttpStatusCode.OK)).GetProperty("hubOnline").GetBoolean(), "hub B online");

        // Hub A's last will claims to be hub B going offline; A then drops off uncleanly.
        var (_, ownerC) = await host.ResidentAsync();
        var (homeC, _) = await host.HomeAsync(ownerC);
        var hubC = await TestHub.PairAsync(host, ownerC, homeC);
        await hubC.ConnectAsync(willTopic: hubB.Prefix + "state");
        hubC.Crash();
        await Eventually.UntilAsync(() => Task.FromResult(host.Logs.Lines.Any(l => l.Contains("MQTT publish refused", StringComparison.Ordinal) && l.Contains(hubB.Prefix, StringComparison.Ordinal))), "the will aimed at hub B refused", host.Logs.Written);
        Assert.True((await (await host.Client(ownerB).GetAsync($"/api/v1/homes/{homeB}")).JsonAsync(HttpStatusCode.OK)).GetProperty("hubOnline").GetBoolean());
    }

    [Fact]
    public void Pair_Response_IsTheProtocolRecordInTheOneIdSpelling()
    {
        Assert.True(PairingJson.TryRead(Encoding.UTF8.GetBytes(hub.Pairing.GetRawText()), out var paired));

        Assert.Equal(hub.HubId, paired.HubId);
        Assert.Equal(HubIds.MqttUser(paired.HubId), paired.Mqtt.Username);
        Assert.Equal(HubTopics.Prefix(paired.HubId), paired.Mqtt.TopicPrefix);
        Assert.Equal(world.LockId, Assert.Single(paired.Locks).Id);
    }

    [Fact]
    public async Task Events_UnknownOrMalformedEventInSignedBatch_AuditedUnrecognisedLoggedNotAppliedAndTheRestApplied()
    {
        await hub.SendBatchAsync(
            1,
            new { id = 1, type = "teleported", at = "2026-11-24T10:00:00Z", lockId = world.LockId },
            new { id = 2, type = "door_opened", at = "2026-11-24T10:00:00", lockId = world.LockId },
            new { id = 3, type = "door_opened", at = "2026-11-24T10:00:01Z", lockId = world.LockId },
            // Not applied: a malformed close after the open leaves the door open.
            new { id = 4, type = "door_closed", at = "2026-11-24T10:00:02", lockId = world.LockId },
            // An alarm of a shape this server does not know still reaches the household as an alarm.
            new { id = 5, type = "alarm", at = "2026-11-24T10:00:03Z", severity = "high" },
            // Not even an object: nothing to show anyone, only logged.
            42);

        await hub.WaitForAsync(m => m.Topic == hub.Prefix + "ack" && BatchAck.TryParse(Encoding.UTF8.GetBytes(m.Payload), out var ack) && ack.Seq == 1);
        Assert.Equal("open", (await HomeStateAsync()).GetProperty("locks")[0].GetProperty("door").GetString());
        Assert.Equal(1, await CountAuditAsync("hub.batch"));

        var unrecognised = (await AuditDataAsync("hub.event")).Concat(await AuditDataAsync("hub.alarm")).ToList();
        Assert.Equal([1L, 2L, 4L, 5L], unrecognised.Select(e => e.GetProperty("id").GetInt64()).Order());
        Assert.All(unrecognised, e => Assert.False(string.IsNullOrEmpty(e.GetProperty("unrecognised").GetString())));
        Assert.Equal("teleported", unrecognised.Single(e => e.GetProperty("id").GetInt64() == 1).GetProperty("type").GetString());
        Assert.Equal("2026-11-24T10:00:02", unrecognised.Single(e => e.GetProperty("id").GetInt64() == 4).GetProperty("at").GetString());
        var alarm = Assert.Single(await AuditDataAsync("hub.alarm"));
        Assert.Equal(("alarm", "high"), (alarm.GetProperty("type").GetString(), alarm.GetProperty("severity").GetString()));
        Assert.Equal(4, host.Logs.Lines.Count(l => l.Contains("Audited an unrecognised event of batch 1", StringComparison.Ordinal)));
        Assert.Equal(1, host.Logs.Lines.Count(l => l.Contains("Dropped a non-object event of batch 1", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Sync_GrantWithCode_HubOpensTheProtocolDocumentBoundToItself()
    {
        var serverKey = hub.Pairing.GetProperty("serverKeys")[0];
        using var trusted = KeyEncoding.ImportEcdsaPublicSpki(serverKey.GetProperty("spki").GetString()!);
        var verifier = new CommandVerifier(
            new Dictionary<string, ECDsa> { [serverKey.GetProperty("kid").GetString()!] = trusted },
            hub.Pairing.GetProperty("issuer").GetString()!, hub.HubId, host.Clock, TimeSpan.FromSeconds(5));
        var grant = await (await host.Client(world.OwnerToken).PostAsJsonAsync($"/api/v1/homes/{world.HomeId}/grants",
            new { name = "Friend", kind = "guest", schedule = new { type = "always" }, maxEntries = 2, keypad = new { code = "482139" } })).JsonAsync(HttpStatusCode.Created);
        var grantId = grant.GetProperty("id").GetString();

        CredentialSetDocument? set = null;
        await hub.WaitForAsync(m =>
        {
            if (m.Topic != hub.Prefix + "cmd" || !JwsEnvelope.TryParse(Encoding.UTF8.GetBytes(m.Payload), out var envelope)
                || verifier.Verify(envelope.Jws) is not { Ok: true, Claims: { Command: CommandNames.SyncCredentials } claims }
                || !SyncCredentialsArgs.TryRead(claims.Args, out var args)
                || !SealedCredentialSet.TryOpen(hub.Sealing, hub.HubId, args, out var opened, out _, out _))
            {
                return false;
            }

            set = opened;
            return opened.Credentials.Any(c => c.Id == grantId);
        });

        var credential = Assert.Single(set!.Credentials, c => c.Id == grantId);
        Assert.Equal((CredentialKinds.Guest, "482139", 2, 0), (credential.Kind, credential.Code, credential.MaxEntries, credential.EntriesUsed));
        Assert.IsType<AlwaysScheduleDocument>(credential.Schedule);
    }

    private async Task<int> CountAuditAsync(string type)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        return await db.AuditEntries.CountAsync(e => e.HomeId == world.HomeId && e.Type == type);
    }

    private async Task<List<JsonElement>> AuditDataAsync(string type)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        var data = await db.AuditEntries.Where(e => e.HomeId == world.HomeId && e.Type == type).Select(e => e.Data).ToListAsync();
        return data.Select(d => JsonDocument.Parse(d).RootElement.Clone()).ToList();
    }

    private async Task<JsonElement> HomeStateAsync() =>
        await (await host.Client(world.OwnerToken).GetAsync($"/api/v1/homes/{world.HomeId}")).JsonAsync(HttpStatusCode.OK);
}
