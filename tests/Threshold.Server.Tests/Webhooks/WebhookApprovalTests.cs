using System.Net;

namespace Threshold.Server.Tests.Webhooks;

/// <summary>Approval at the door, as the carrier's endpoint hears it: asked, approved or denied, asked again after silence.</summary>
public sealed class WebhookApprovalTests : IAsyncLifetime
{
    private WebhookWorld world = null!;

    private ServerHost Host => world.Host;

    public async Task InitializeAsync() =>
        world = await WebhookWorld.CreateAsync(new { anyTime = true, requireApproval = true, approvalTimeout = 30, cameraRequired = false });

    public async Task DisposeAsync() => await world.DisposeAsync();

    [Fact]
    public async Task ApprovalAtTheDoor_AskedApprovedDeniedAndAskedAgain_EachArrivesInOrder()
    {
        var approved = await world.DeliveryAsync();
        await (await Host.ArriveAsync(world.CourierToken, approved)).JsonAsync(HttpStatusCode.OK);
        await (await Answer(approved, "approve")).JsonAsync(HttpStatusCode.OK);
        await (await Host.UnlockAsync(world.CourierToken, approved)).JsonAsync(HttpStatusCode.OK);
        var denied = await world.DeliveryAsync();
        await (await Host.ArriveAsync(world.CourierToken, denied)).JsonAsync(HttpStatusCode.OK);
        await (await Answer(denied, "deny")).JsonAsync(HttpStatusCode.OK);
        var silence = await world.DeliveryAsync();
        await (await Host.ArriveAsync(world.CourierToken, silence)).JsonAsync(HttpStatusCode.OK);
        Host.Clock.Advance(TimeSpan.FromSeconds(30));
        await (await Host.ArriveAsync(world.CourierToken, silence)).JsonAsync(HttpStatusCode.OK);

        var accepted = await world.AcceptedAsync(13);

        string[] Of(Guid d) => [.. accepted.Where(r => r.DeliveryId == d).Select(r => r.Type)];
        Assert.Equal(["scheduled", "arrived", "awaiting_approval", "approved", "unlocked"], Of(approved));
        Assert.Equal(["scheduled", "arrived", "awaiting_approval", "denied"], Of(denied));
        Assert.Equal(["scheduled", "arrived", "awaiting_approval", "awaiting_approval"], Of(silence));
        var denial = accepted.Single(r => r.Type == "denied").Json.GetProperty("data");
        Assert.Equal(("declined", "approval_denied"), (denial.GetProperty("status").GetString(), denial.GetProperty("failureReason").GetString()));
        Assert.Equal(13, accepted.Count);
    }

    private Task<HttpResponseMessage> Answer(Guid delivery, string verb) =>
        Host.RequestAsync(HttpMethod.Post, $"/api/v1/homes/{world.HomeId}/deliveries/{delivery}/{verb}", world.OwnerToken);
}
