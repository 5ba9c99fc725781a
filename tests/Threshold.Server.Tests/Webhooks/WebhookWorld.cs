using System.Net;
using System.Text.Json;
using Threshold.Server.Deliveries;

using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Webhooks;

/// <summary>
/// A server that may call loopback, a carrier with a courier enrolled at a home, and the carrier's endpoint (a
/// <see cref="WebhookReceiver"/>) registered for every event before any delivery exists.
/// </summary>
internal sealed class WebhookWorld : IAsyncDisposable
{
    public static readonly string[] AllEvents =
    [
        "scheduled", "arrived", "awaiting_approval", "approved", "denied", "declined", "unlocked", "door_opened", "door_closed",
        "locked", "completed", "failed", "cancelled", "expired",
    ];

    private WebhookWorld(ServerHost host, WebhookReceiver receiver) => (Host, Receiver) = (host, receiver);

    public ServerHost Host { get; }
    public WebhookReceiver Receiver { get; }
    public string OwnerToken { get; private set; } = "";
    public Guid HomeId { get; private set; }
    public Guid LockId { get; private set; }
    public string CarrierKey { get; private set; } = "";
    public string HomeAccessId { get; private set; } = "";
    public Guid CourierId { get; private set; }
    public string CourierToken { get; private set; } = "";
    public Guid WebhookId { get; private set; }
    public string Secret { get; private set; } = "";

    public static async Task<WebhookWorld> CreateAsync(object? policy = null, IDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>
        {
            ["Threshold:Webhooks:AllowPrivateTargets"] = "true",
            ["Threshold:Webhooks:PollInterval"] = "00:00:00.050",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string>())
        {
            all[k] = v;
        }

        var host = await ServerHost.StartAsync(all);
        var receiver = await WebhookReceiver.StartAsync(() => host.Clock.GetUtcNow());
        var world = new WebhookWorld(host, receiver);
        (_, world.OwnerToken) = await host.ResidentAsync();
        (world.HomeId, world.LockId) = await host.HomeAsync(world.OwnerToken);
        var (carrierId, key) = await host.CarrierAsync();
        world.CarrierKey = key;
        world.HomeAccessId = await host.EnrolAsync(world.OwnerToken, world.HomeId, carrierId, policy ?? Api.EveryDayPolicy(cameraRequired: false));
        (world.CourierId, world.CourierToken) = await host.CourierAsync(key);
        var created = await (await host.RequestAsync(HttpMethod.Post, "/api/v1/carrier/webhooks", key, new { url = receiver.Url, events = AllEvents }))
            .JsonAsync(HttpStatusCode.Created);
        world.WebhookId = created.GetProperty("id").GetGuid();
        world.Secret = receiver.Secret = created.GetProperty("secret").GetString()!;
        return world;
    }

    public Task<Guid> DeliveryAsync() => Host.DeliveryAsync(CarrierKey, HomeAccessId, CourierId);

    /// <summary>The endpoint's recent messages as <c>GET /carrier/webhooks/{id}/deliveries</c> lists them, oldest first.</summary>
    public async Task<List<JsonElement>> AttemptsAsync() =>
        [.. (await (await Host.RequestAsync(HttpMethod.Get, $"/api/v1/carrier/webhooks/{WebhookId}/deliveries", CarrierKey)).JsonAsync(HttpStatusCode.OK))
            .EnumerateArray().Reverse()];

    /// <summary>Waits until the receiver accepted <paramref name="count"/> distinct verified messages; returns them in arrival order.</summary>
    public async Task<List<ReceivedWebhook>> AcceptedAsync(int count)
    {
        try
        {
            await Eventually.UntilAsync(() => Receiver.Accepted().Count >= count, $"{count} webhooks accepted", Receiver.Arrived);
        }
        catch (TimeoutException e)
        {
            var got = string.Join(", ", Receiver.Received.Select(r => $"{r.Type}/{r.Answered}/{(r.Verified ? "ok" : "unverified")}"));
            throw new TimeoutException($"{e.Message} Received: {got}", e);
        }

        return Receiver.Accepted();
    }

    /// <summary>The hub's report that it carried out the unlock for <paramref name="deliveryId"/>, as the hub link records it.</summary>
    public Task ConfirmUnlockAsync(Guid deliveryId) => Host.ConfirmUnlockAsync(HomeId, LockId, deliveryId);

    /// <summary>A door or bolt report from the home's hub.</summary>
    public Task ReportAsync(DeviceEventKind kind) => Host.ReportDoorAsync(HomeId, LockId, kind);

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}
