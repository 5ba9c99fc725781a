using System.Text.Json;
using Threshold.Hub.Zigbee;
using Threshold.Hub.Tests.Support;
using Xunit.Abstractions;

namespace Threshold.Hub.Tests;

public sealed class OutboxTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Events_AreBatchedSignedAndAcked_OutboxEmpties()
    {
        await using var h = await HubHarness.StartAsync(output);

        Assert.True((await h.CommandAsync("unlock")).Ok);
        await h.Server.WaitEventAsync("command_executed");
        await Eventually.UntilAsync(() => h.OutboxCounts() == (0, 0), "outbox drained");

        var batches = h.Server.Batches();
        Assert.Equal(1, batches[0].Seq);
        // At least once: a batch whose ack crossed a reconnect is sent again, and then it must be the same signed batch.
        // The numbering itself has no gap and no reuse.
        var bySeq = batches.GroupBy(b => b.Seq).ToList();
        Assert.All(bySeq, g => Assert.Single(g.Select(b => b.Jws).Distinct()));
        Assert.True(bySeq.Select(g => g.Key).SequenceEqual(Enumerable.Range(1, bySeq.Count).Select(i => (long)i)),
            $"batch numbers {string.Join(",", batches.Select(b => b.Seq))}");
        var ids = h.Server.Applied.Select(e => e.GetProperty("id").GetInt64()).ToArray();
        Assert.Equal(ids.Order().Distinct(), ids);
        Assert.All(h.Server.Applied, e => Assert.EndsWith("Z", e.GetProperty("at").GetString()));
    }

    [Fact]
    public async Task UnackedBatch_SurvivesRestart_ResentUnchanged_NoDuplicates()
    {
        await using var h = await HubHarness.StartAsync(output);
        h.Server.AutoAck = false;
        // Batches received so far were acked; the unacked one arrives after this and carries the highest seq.
        var ackedUpTo = h.Server.Batches().Select(b => b.Seq).DefaultIfEmpty(0).Max();

        Assert.True((await h.CommandAsync("unlock", "jti-outbox")).Ok);
        // Stop-and-wait: the unacked batch blocks later ones, which wait in the outbox.
        await Eventually.UntilAsync(() => h.Server.Batches().Any(b => b.Seq > ackedUpTo) && h.OutboxCounts().Batches == 1, "an unacked batch");
        var first = h.Server.Batches().MaxBy(b => b.Seq)!;
        // Whether command_executed made it into that batch is a race; a later event surely waits behind it.
        await h.Zigbee.SetDoorAsync(closed: false);
        await Eventually.UntilAsync(() => h.OutboxCounts().Outbox > 0, "events pending behind the unacked batch");

        await h.StopHubAsync();
        Assert.Equal(1, h.OutboxCounts().Batches);
        Assert.True(h.OutboxCounts().Outbox > 0, "events still pending");
        Assert.Empty(h.Server.Events("command_executed"));
        var before = h.Server.Batches().Length;
        await h.StartHubAsync();

        await Eventually.UntilAsync(() => h.Server.Batches().Skip(before).Any(b => b.Seq == first.Seq), "same seq re-sent after restart", h.Server.Changed);
        var resent = h.Server.Batches().Skip(before).First(b => b.Seq == first.Seq);
        Assert.Equal(first.Jws, resent.Jws);

        h.Server.AutoAck = true;
        await Eventually.UntilAsync(() => h.OutboxCounts() == (0, 0) && h.Server.Events("command_executed").Length == 1, "outbox drained after ack");
        var executed = h.Server.Events("command_executed");
        Assert.Single(executed);
        Assert.True(h.Server.Batches().Where(b => b.Seq > first.Seq).All(b => b.Seq == first.Seq + 1 || h.Server.Batches().Any(x => x.Seq == b.Seq - 1)));
        var ids = h.Server.Applied.Select(e => e.GetProperty("id").GetInt64()).ToArray();
        Assert.Equal(ids.Distinct().Count(), ids.Length);
    }

    [Fact]
    public async Task ServerBrokerRestart_HubReconnects_AndDrainsOutbox()
    {
        await using var h = await HubHarness.StartAsync(output);
        Assert.True((await h.CommandAsync("unlock")).Ok);

        await h.ServerBroker.StopAsync();
        // While the server is unreachable the door opens and closes: events pile up durably.
        await h.Zigbee.SetDoorAsync(closed: false);
        await h.Zigbee.SetDoorAsync(closed: true);
        await h.UntilAsync(s => s.Door == DoorState.Closed && s.Processed > 0, "door events processed");
        await Eventually.UntilAsync(() => h.OutboxCounts().Outbox + h.OutboxCounts().Batches > 0, "events pending in outbox");

        await h.ServerBroker.StartAgainAsync();
        await h.Server.ConnectAsync();

        await h.Server.WaitEventAsync("door_opened");
        await h.Server.WaitEventAsync("door_closed");
        await Eventually.UntilAsync(() => h.OutboxCounts() == (0, 0), "outbox drained");
        // And commands flow again on the new connection.
        Assert.True((await h.CommandAsync("lock")).Ok);
    }

    [Fact]
    public async Task ManyEvents_AreSplitIntoBatchesOfAtMost100()
    {
        await using var h = await HubHarness.StartAsync(output);
        var outbox = (Outbox.EventOutbox)h.Hub!.Services.GetService(typeof(Outbox.EventOutbox))!;
        for (var i = 0; i < 250; i++)
        {
            outbox.Append(new Threshold.Protocol.Events.DeviceAvailability(0, default, "contact", true));
        }

        await Eventually.UntilAsync(() => h.OutboxCounts() == (0, 0) && h.Server.Events("device_availability").Length >= 250, "all applied");
        Assert.All(h.Server.Batches(), b => Assert.InRange(b.Events.Count, 1, 100));
    }

    [Fact]
    public async Task State_IsPublishedRetainedOnConnect_AndOfflineOnStop()
    {
        await using var h = await HubHarness.StartAsync(output);
        await Eventually.UntilAsync(() => h.Server.States.LastOrDefault() == """{"online":true,"lock":"locked","door":"closed","camera":false,"homeBroker":"unknown"}""", "online state", h.Server.Changed);

        await h.StopHubAsync();

        await Eventually.UntilAsync(() => h.Server.States.LastOrDefault() == """{"online":false}""", "offline state", h.Server.Changed);
    }

    private static bool HasEvent(ReceivedBatch batch, string type) =>
        batch.Events.Any(e => e.GetProperty("type").GetString() == type);
}
