using System.Net;

namespace Threshold.Server.Tests.Security;

/// <summary>
/// The matrix rows for carriers' webhook endpoints: an endpoint exists only for the carrier that registered it; people's
/// tokens are the wrong kind of caller.
/// </summary>
public sealed partial class AuthorizationMatrixTests
{
    private static Endpoint[] WebhookEndpoints() =>
    [
        new("DELETE /carrier/webhooks/{id}", HttpMethod.Delete, (_, id) => $"/api/v1/carrier/webhooks/{id}", null),
        new("GET /carrier/webhooks/{id}/deliveries", HttpMethod.Get, (_, id) => $"/api/v1/carrier/webhooks/{id}/deliveries", null),
    ];

    private static IEnumerable<Row> WebhookRows()
    {
        foreach (var e in WebhookEndpoints())
        {
            yield return R(e, "carrier B's key, on A's webhook", Caller.CarrierB, w => w.WebhookA, NotFound, "not_found");
            yield return R(e, "carrier A's key, on an unknown webhook id", Caller.CarrierA, _ => Guid.NewGuid(), NotFound, "not_found");
            yield return R(e, "a resident token (wrong role), on A's webhook", Caller.OwnerA, w => w.WebhookA, Unauthorized, "unauthorized");
            yield return R(e, "a courier token (wrong role), on A's webhook", Caller.CourierA, w => w.WebhookA, Unauthorized, "unauthorized");
        }

        yield return new("POST /carrier/webhooks by a resident token", HttpMethod.Post, _ => "/api/v1/carrier/webhooks", Caller.OwnerA,
            _ => new { url = "https://hooks.example.com/resident", events = new[] { "scheduled" } }, Unauthorized, "unauthorized");
        yield return new("GET /carrier/webhooks by a courier token", HttpMethod.Get, _ => "/api/v1/carrier/webhooks", Caller.CourierA, null, Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Webhooks_OtherCarrier_ListShowsNothingOfA()
    {
        var ofB = await (await Host.Client(worlds.B.CarrierKey).GetAsync("/api/v1/carrier/webhooks")).JsonAsync(HttpStatusCode.OK);
        Assert.Empty(ofB.EnumerateArray());
        var ofA = await (await Host.Client(worlds.A.CarrierKey).GetAsync("/api/v1/carrier/webhooks")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal([worlds.WebhookA], ofA.EnumerateArray().Select(h => h.GetProperty("id").GetGuid()));
    }
}
