using System.Net;
using System.Text.Json;
using Threshold.Server.Deliveries;
using Threshold.Server.Hubs;

namespace Threshold.Server.Tests.Webhooks;

/// <summary>Issue 13 item 2: every state of a delivery reaches the carrier's endpoint once per id, signed and in order.</summary>
public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    private WebhookWorld world = null!;

    private ServerHost Host => world.Host;

    public async Task InitializeAsync() => world = await WebhookWorld.CreateAsync();

    public async Task DisposeAsync() => await world.DisposeAsync();

    [Fact]
    public async Task Delivery_WholeVisit_EveryStateArrivesOnceSignedInOrder()
    {
        var delivery = await world.DeliveryAsync();
        await (await Host.ArriveAsync(world.CourierToken, delivery)).JsonAsync(HttpStatusCode.OK);
        await (await Host.UnlockAsync(world.CourierToken, delivery)).JsonAsync(HttpStatusCode.OK);
        await world.ConfirmUnlockAsync(delivery);
        await world.ReportAsync(DeviceEventKind.DoorOpened);
        await world.ReportAsync(DeviceEventKind.DoorClosed);
        await world.ReportAsync(DeviceEventKind.BoltLocked);
        Assert.Equal("completed", await Host.DeliveryStatusAsync(world.CarrierKey, delivery));

        var accepted = await world.AcceptedAsync(6);

        Assert.Equal(["scheduled", "arrived", "unlocked", "door_opened", "door_closed", "completed"], accepted.Select(r => r.Type));
        Assert.All(accepted, r => Assert.Equal(delivery, r.DeliveryId));
        Assert.All(world.Receiver.Received, r => Assert.True(r.Verified, $"unverified: {r.Id}"));
        Assert.Equal(accepted.Count, world.Receiver.Received.Count);
        // Captured and sent again later, or with its body changed, a real request no longer verifies.
        var first = accepted[0];
        Assert.False(StandardWebhooksVerifier.Verify(world.Secret, first.Id, first.Timestamp, first.Signature, first.Body, Host.Clock.GetUtcNow().AddMinutes(6)));
        Assert.False(StandardWebhooksVerifier.Verify(world.Secret, first.Id, first.Timestamp, first.Signature, first.Body.Replace("scheduled", "cancelled", StringComparison.Ordinal), Host.Clock.GetUtcNow()));
        var last = accepted[^1].Json;
        Assert.Equal("completed", last.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(Host.Clock.GetUtcNow(), last.GetProperty("timestamp").GetDateTimeOffset());
        // The receiver may hear a message before the server has recorded its answer.
        var attempts = new List<JsonElement>();
        await Eventually.UntilAsync(async () => (attempts = await world.AttemptsAsync()).All(a => a.GetProperty("state").GetString() == "delivered"), "every message recorded delivered");
        Assert.Equal(6, attempts.Count);
        Assert.All(attempts, a => Assert.Equal(("delivered", 1, 200), (a.GetProperty("state").GetString(), a.GetProperty("attempts").GetInt32(), a.GetProperty("lastStatusCode").GetInt32())));
        // The secret and the payloads stay out of the logs.
        Assert.DoesNotContain(Host.Logs.Lines, l => l.Contains(world.Secret["whsec_".Length..], StringComparison.Ordinal));
        Assert.DoesNotContain(Host.Logs.Lines, l => accepted.Any(r => l.Contains(r.Body, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task EndingsBeforeEntry_DeclinedCancelledExpiredAndFailed_EachArrivesWithItsReason()
    {
        var declined = await world.DeliveryAsync();
        await (await Host.RequestAsync(HttpMethod.Post, $"/api/v1/homes/{world.HomeId}/deliveries/{declined}/decline", world.OwnerToken)).JsonAsync(HttpStatusCode.OK);
        var cancelled = await world.DeliveryAsync();
        await (await Host.RequestAsync(HttpMethod.Delete, $"/api/v1/deliveries/{cancelled}", world.CarrierKey)).JsonAsync(HttpStatusCode.OK);
        var expired = await world.DeliveryAsync();
        Host.Clock.Advance(TimeSpan.FromHours(3));
        // The expiry service may have run on the moved clock already; either way the window is now over.
        await Host.Services.GetRequiredService<DeliveryExpiry>().ExpireDueAsync(CancellationToken.None);
        Assert.Equal("expired", await Host.DeliveryStatusAsync(world.CarrierKey, expired));
        var failed = await world.DeliveryAsync();
        await (await Host.ArriveAsync(world.CourierToken, failed)).JsonAsync(HttpStatusCode.OK);
        await (await Host.UnlockAsync(world.CourierToken, failed)).JsonAsync(HttpStatusCode.OK);
        await world.ConfirmUnlockAsync(failed);
        await world.ReportAsync(DeviceEventKind.BoltJammed);

        var accepted = await world.AcceptedAsync(10);

        string[] Of(Guid d) => [.. accepted.Where(r => r.DeliveryId == d).Select(r => r.Type)];
        Assert.Equal(["scheduled", "declined"], Of(declined));
        Assert.Equal(["scheduled", "cancelled"], Of(cancelled));
        Assert.Equal(["scheduled", "expired"], Of(expired));
        Assert.Equal(["scheduled", "arrived", "unlocked", "failed"], Of(failed));
        var failure = accepted.Single(r => r.Type == "failed").Json.GetProperty("data");
        Assert.Equal(("failed", "lock_jammed"), (failure.GetProperty("status").GetString(), failure.GetProperty("failureReason").GetString()));
        Assert.Equal(10, accepted.Count);
    }

    [Fact]
    public async Task ReceiverFailsThreeTimes_RetriedWithGrowingJitteredBackoffAndLaterEventsWait()
    {
        var failures = 3;
        world.Receiver.Answer = _ => Interlocked.Decrement(ref failures) >= 0 ? 500 : 200;
        var delivery = await world.DeliveryAsync();
        await (await Host.ArriveAsync(world.CourierToken, delivery)).JsonAsync(HttpStatusCode.OK);

        var waits = new List<TimeSpan>();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var head = await MessageTriedAsync("scheduled", attempt);
            Assert.Equal("scheduled", head.GetProperty("event").GetString());
            Assert.Equal(500, head.GetProperty("lastStatusCode").GetInt32());
            var next = head.GetProperty("nextRetryAt").GetDateTimeOffset();
            waits.Add(next - head.GetProperty("lastAttemptAt").GetDateTimeOffset());
            // Held back behind the failing one: not even tried yet.
            var arrived = (await world.AttemptsAsync()).Single(a => a.GetProperty("event").GetString() == "arrived");
            Assert.Equal(("pending", 0), (arrived.GetProperty("state").GetString(), arrived.GetProperty("attempts").GetInt32()));
            Host.Clock.Advance(next - Host.Clock.GetUtcNow());
        }

        var accepted = await world.AcceptedAsync(2);

        Assert.Equal(["scheduled", "arrived"], accepted.Select(r => r.Type));
        // 10 s, then doubling, each ±20 %: the bands do not overlap.
        Assert.InRange(waits[0].TotalSeconds, 8, 12);
        Assert.InRange(waits[1].TotalSeconds, 16, 24);
        Assert.InRange(waits[2].TotalSeconds, 32, 48);
        var received = world.Receiver.Received.ToList();
        Assert.Equal(["scheduled", "scheduled", "scheduled", "scheduled", "arrived"], received.Select(r => r.Type));
        Assert.Single(received.Take(4).Select(r => r.Id).Distinct());
        Assert.Equal(4, received.Take(4).Select(r => r.Timestamp).Distinct().Count());
        Assert.All(received, r => Assert.True(r.Verified));
    }

    [Fact]
    public async Task ServerRestartInTheMiddle_EveryEventStillArrivesOnceInOrder()
    {
        world.Receiver.Answer = _ => 503;
        var delivery = await world.DeliveryAsync();
        await (await Host.ArriveAsync(world.CourierToken, delivery)).JsonAsync(HttpStatusCode.OK);
        await MessageTriedAsync("scheduled", 1);

        await Host.RestartAsync();
        await (await Host.UnlockAsync(world.CourierToken, delivery)).JsonAsync(HttpStatusCode.OK);
        await Host.RestartAsync();
        world.Receiver.Answer = _ => 200;
        Host.Clock.Advance(TimeSpan.FromMinutes(1));
        await world.ConfirmUnlockAsync(delivery);
        await world.ReportAsync(DeviceEventKind.BoltLocked);

        var accepted = await world.AcceptedAsync(4);

        Assert.Equal(["scheduled", "arrived", "unlocked", "completed"], accepted.Select(r => r.Type));
        var received = world.Receiver.Received.ToList();
        Assert.True(received.All(r => r.Verified), "every request verified");
        // Whatever was resent is a repeat of the same message, never a new one or one out of order.
        var firstArrival = received.Select(r => r.Id).Distinct().ToList();
        Assert.Equal(accepted.Select(r => r.Id), firstArrival);
    }

    [Fact]
    public async Task ReceiverNeverAnswers2xx_GivenUpADayLaterThenTheNextEventGoes()
    {
        world.Receiver.Answer = body => body.Contains("\"type\":\"scheduled\"", StringComparison.Ordinal) ? 500 : 200;
        var start = Host.Clock.GetUtcNow();
        var delivery = await world.DeliveryAsync();
        await (await Host.ArriveAsync(world.CourierToken, delivery)).JsonAsync(HttpStatusCode.OK);

        JsonElement scheduled;
        for (var attempt = 1; ; attempt++)
        {
            Assert.True(attempt < 40, "never given up");
            scheduled = await MessageTriedAsync("scheduled", attempt);
            if (scheduled.GetProperty("state").GetString() == "failed")
            {
                break;
            }

            Host.Clock.Advance(scheduled.GetProperty("nextRetryAt").GetDateTimeOffset() - Host.Clock.GetUtcNow());
        }

        Assert.Equal(start + TimeSpan.FromHours(24), scheduled.GetProperty("failedAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, scheduled.GetProperty("nextRetryAt").ValueKind);
        Assert.InRange(scheduled.GetProperty("attempts").GetInt32(), 10, 25);
        // The window ended meanwhile: that event, too, waited behind the failing one and came after the arrival.
        var accepted = await world.AcceptedAsync(2);
        Assert.Equal(["arrived", "expired"], accepted.Select(r => r.Type));
        var received = world.Receiver.Received.Select(r => r.Type).ToList();
        Assert.Equal(["arrived", "expired"], received[^2..]);
        Assert.All(received[..^2], t => Assert.Equal("scheduled", t));
        Assert.Equal(scheduled.GetProperty("attempts").GetInt32(), received.Count - 2);
    }

    /// <summary>Waits until the message for <paramref name="eventName"/> has been tried <paramref name="attempts"/> times; returns it.</summary>
    private async Task<JsonElement> MessageTriedAsync(string eventName, int attempts)
    {
        JsonElement message = default;
        await Eventually.UntilAsync(async () =>
        {
            message = (await world.AttemptsAsync()).First(a => a.GetProperty("event").GetString() == eventName);
            return message.GetProperty("attempts").GetInt32() == attempts;
        }, $"the {eventName} message tried {attempts} times");
        return message;
    }
}
