using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Notifications;

/// <summary>Issue 13 item 1: what a resident's phone shows, checked by a push service that verifies and decrypts.</summary>
public sealed class PushTests : IAsyncLifetime
{
    private LocalPushService push = null!;
    private ServerHost host = null!;
    private World world = null!;
    private string vapidKey = "";

    public async Task InitializeAsync()
    {
        push = await LocalPushService.StartAsync();
        host = await ServerHost.StartAsync(new Dictionary<string, string> { ["Threshold:Push:AllowPrivateEndpoints"] = "true" });
        world = await World.CreateAsync(host);
        vapidKey = (await (await host.RequestAsync(HttpMethod.Get, "/api/v1/push/vapid-public-key", null)).JsonAsync(HttpStatusCode.OK))
            .GetProperty("publicKey").GetString()!;
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await push.DisposeAsync();
    }

    [Fact]
    public async Task DeliveryScheduled_EverySubscribedResidentDeviceShowsIt()
    {
        var phone = await SubscribeAsync(world.OwnerToken);
        var laptop = await SubscribeAsync(world.OwnerToken);

        var delivery = await host.DeliveryAsync(world.CarrierKey, world.HomeAccessId, world.CourierId);

        foreach (var device in new[] { phone, laptop })
        {
            var shown = await ShownAsync(device, "delivery_scheduled");
            Assert.Equal((world.HomeId, delivery), (shown.GetProperty("homeId").GetGuid(), shown.GetProperty("deliveryId").GetGuid()));
            Assert.Equal("Delivery scheduled", shown.GetProperty("title").GetString());
        }
    }

    [Fact]
    public async Task CourierArrives_ResidentsToldTheCourierIsAtTheDoor()
    {
        var phone = await SubscribeAsync(world.OwnerToken);

        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);

        var shown = await ShownAsync(phone, "courier_arrived");
        Assert.Equal(world.DeliveryId, shown.GetProperty("deliveryId").GetGuid());
        Assert.Equal("high", phone.Requests.Last(r => r.Accepted).Urgency);
    }

    [Fact]
    public async Task Alarm_ArrivesWithinASecondUrgentAndShortLived()
    {
        var phone = await SubscribeAsync(world.OwnerToken);
        var clock = Stopwatch.StartNew();

        await RaiseAlarmAsync("door_forced");

        var shown = await ShownAsync(phone, "alarm");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the alarm took {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal("Your door was opened while locked.", shown.GetProperty("body").GetString());
        var request = phone.Requests.Last();
        Assert.Equal(("high", "600"), (request.Urgency, request.Ttl));
    }

    [Fact]
    public async Task SubscriptionGone_RemovedAndNotTriedAgain()
    {
        var phone = await SubscribeAsync(world.OwnerToken);
        phone.AnswerNext(410);

        await RaiseAlarmAsync("lock_jammed");

        await Eventually.UntilAsync(async () => (await ListAsync(world.OwnerToken)).GetArrayLength() == 0, "the gone subscription removed");
        await RaiseAlarmAsync("door_forced");
        await Never.DuringAsync(() => phone.Requests.Count > 1, "a push to a removed subscription", TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public async Task PushServiceFailing_RetriedWithBackoffUntilShown()
    {
        var phone = await SubscribeAsync(world.OwnerToken);
        phone.AnswerNext(500, 503);

        await RaiseAlarmAsync("relock_failed");
        await Eventually.UntilAsync(() => phone.Requests.Count == 1, "the first attempt");
        host.Clock.Advance(TimeSpan.FromSeconds(2));
        await Eventually.UntilAsync(() => phone.Requests.Count == 2, "the retry after 2 s");
        host.Clock.Advance(TimeSpan.FromSeconds(10));

        var shown = await ShownAsync(phone, "alarm");
        Assert.Equal("Your door could not be locked again.", shown.GetProperty("body").GetString());
        Assert.Equal(3, phone.Requests.Count);
    }

    [Fact]
    public async Task Preferences_AlarmsOff_OnlyDeliveriesPushed()
    {
        var phone = await SubscribeAsync(world.OwnerToken);
        await (await host.RequestAsync(HttpMethod.Put, "/api/v1/me/notification-preferences", world.OwnerToken, new { alarms = false })).JsonAsync(HttpStatusCode.OK);

        await RaiseAlarmAsync("door_forced");
        await host.DeliveryAsync(world.CarrierKey, world.HomeAccessId, world.CourierId);

        await ShownAsync(phone, "delivery_scheduled");
        Assert.DoesNotContain(phone.Shown(vapidKey), n => n.GetProperty("kind").GetString() == "alarm");
    }

    [Fact]
    public async Task NotAResident_GetsNothing()
    {
        var (_, stranger) = await host.ResidentAsync();
        var strangerPhone = await SubscribeAsync(stranger);
        var courierPhone = await SubscribeAsync(world.CourierToken);
        var ownerPhone = await SubscribeAsync(world.OwnerToken);

        await RaiseAlarmAsync("door_forced");

        await ShownAsync(ownerPhone, "alarm");
        Assert.Empty(strangerPhone.Requests);
        Assert.Empty(courierPhone.Requests);
    }

    [Theory]
    [InlineData("ftp://push.example/x", null, null, "invalid_endpoint", "endpoint")]
    [InlineData(null, "AAAA", null, "invalid_key", "keys.p256dh")]
    [InlineData(null, null, "c2hvcnQ", "invalid_key", "keys.auth")]
    public async Task Subscribe_BadInput_ProblemNothingStored(string? endpoint, string? p256dh, string? auth, string code, string field)
    {
        var valid = JsonSerializer.SerializeToElement(push.NewDevice().Subscription);
        var body = new
        {
            endpoint = endpoint ?? valid.GetProperty("endpoint").GetString(),
            keys = new { p256dh = p256dh ?? valid.GetProperty("keys").GetProperty("p256dh").GetString(), auth = auth ?? valid.GetProperty("keys").GetProperty("auth").GetString() },
        };

        var problem = await (await host.RequestAsync(HttpMethod.Post, "/api/v1/me/push-subscriptions", world.OwnerToken, body)).ProblemAsync(HttpStatusCode.BadRequest, code);

        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Equal(0, (await ListAsync(world.OwnerToken)).GetArrayLength());
    }

    [Fact]
    public async Task Unsubscribe_SomeoneElsesSubscription_NotFoundAndKept()
    {
        await SubscribeAsync(world.OwnerToken);
        var id = (await ListAsync(world.OwnerToken))[0].GetProperty("id").GetGuid();
        var (_, stranger) = await host.ResidentAsync();

        await (await host.RequestAsync(HttpMethod.Delete, $"/api/v1/me/push-subscriptions/{id}", stranger)).ProblemAsync(HttpStatusCode.NotFound, "not_found");

        Assert.Equal(1, (await ListAsync(world.OwnerToken)).GetArrayLength());
        (await host.RequestAsync(HttpMethod.Delete, $"/api/v1/me/push-subscriptions/{id}", world.OwnerToken)).EnsureSuccessStatusCode();
        Assert.Equal(0, (await ListAsync(world.OwnerToken)).GetArrayLength());
    }

    private async Task<LocalPushService.Device> SubscribeAsync(string token)
    {
        var device = push.NewDevice();
        await (await host.RequestAsync(HttpMethod.Post, "/api/v1/me/push-subscriptions", token, device.Subscription)).JsonAsync(HttpStatusCode.Created);
        return device;
    }

    private async Task<JsonElement> ListAsync(string token) =>
        await (await host.RequestAsync(HttpMethod.Get, "/api/v1/me/push-subscriptions", token)).JsonAsync(HttpStatusCode.OK);

    private async Task<JsonElement> ShownAsync(LocalPushService.Device device, string kind)
    {
        bool Has() => device.Shown(vapidKey).Any(n => n.GetProperty("kind").GetString() == kind);
        await Eventually.UntilAsync(Has, $"a '{kind}' notification on the device", device.Changed);
        return device.Shown(vapidKey).First(n => n.GetProperty("kind").GetString() == kind);
    }

    private Task RaiseAlarmAsync(string code) =>
        host.RecordHubEventAsync(world.HomeId, new { id = 1, type = "alarm", at = "2026-11-24T10:00:00Z", alarm = code });
}
