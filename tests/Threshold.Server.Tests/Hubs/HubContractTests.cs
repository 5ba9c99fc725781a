using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Credentials;
using Threshold.Protocol.Keys;
using Threshold.Protocol.Messages;
using Threshold.Protocol.Pairing;
using Threshold.Protocol.Topics;
using Threshold.Server.Data;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Hubs;

/// <summary>What the server puts on the wire reads as the records of Threshold.Protocol, and what it cannot read it drops.</summary>
public sealed class HubContractTests : IAsyncLifetime
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
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(await HomeStateAsync()).GetProperty("hubOnline").GetBoolean())
        {
            Assert.True(DateTime.UtcNow < deadline, "The hub did not come online within 10 s.");
            await Task.Delay(25);
        }
    }

    public async Task DisposeAsync()
    {
        await hub.DisposeAsync();
        await host.DisposeAsync();
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
    public async Task Events_UnknownOrMalformedEventInSignedBatch_DroppedLoggedAndTheRestApplied()
    {
        await hub.SendBatchAsync(
            1,
            new { id = 1, type = "teleported", at = "2026-11-24T10:00:00Z", lockId = world.LockId },
            new { id = 2, type = "door_opened", at = "2026-11-24T10:00:00", lockId = world.LockId },
            new { id = 3, type = "door_opened", at = "2026-11-24T10:00:01Z", lockId = world.LockId });

        await hub.WaitForAsync(m => m.Topic == hub.Prefix + "ack" && BatchAck.TryParse(Encoding.UTF8.GetBytes(m.Payload), out var ack) && ack.Seq == 1);
        Assert.Equal("open", (await HomeStateAsync()).GetProperty("locks")[0].GetProperty("door").GetString());
        Assert.Equal(2, host.Logs.Lines.Count(l => l.Contains("Dropped an event of batch 1", StringComparison.Ordinal)));
        Assert.Equal(0, await CountAuditAsync("hub.event"));
        Assert.Equal(1, await CountAuditAsync("hub.batch"));
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

    private async Task<JsonElement> HomeStateAsync() =>
        await (await host.Client(world.OwnerToken).GetAsync($"/api/v1/homes/{world.HomeId}")).JsonAsync(HttpStatusCode.OK);
}
