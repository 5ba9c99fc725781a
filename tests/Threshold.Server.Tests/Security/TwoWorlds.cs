using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Security;

/// <summary>Two complete worlds on one server; B's people (and A's wrong people) aim at A's objects.</summary>
public sealed class TwoWorlds : IAsyncLifetime
{
    public ServerHost Host { get; private set; } = null!;
    public World A { get; private set; } = null!;
    public World B { get; private set; } = null!;

    /// <summary>A second courier of A's carrier, not assigned to A's delivery.</summary>
    public Guid ColleagueId { get; private set; }
    public string ColleagueToken { get; private set; } = "";

    /// <summary>A resident who is a plain member (not owner) of home A.</summary>
    public Guid MemberId { get; private set; }
    public string MemberToken { get; private set; } = "";

    /// <summary>Home A's guest grant (keypad code and app access for guest A); guest A is no member of any home.</summary>
    public Guid GrantA { get; private set; }
    public Guid GuestAId { get; private set; }
    public string GuestAToken { get; private set; } = "";

    /// <summary>Home B's guest grant (app access for guest B).</summary>
    public Guid GrantB { get; private set; }
    public Guid GuestBId { get; private set; }
    public string GuestBToken { get; private set; } = "";

    /// <summary>Carrier A's webhook endpoint (registered last, so no delivery change of the worlds is queued for it).</summary>
    public Guid WebhookA { get; private set; }

    public async Task InitializeAsync()
    {
        Host = await ServerHost.StartAsync();
        A = await World.CreateAsync(Host);
        B = await World.CreateAsync(Host);
        (ColleagueId, ColleagueToken) = await Host.CourierAsync(A.CarrierKey);

        (MemberId, MemberToken) = await Host.ResidentAsync();
        await Host.AddMemberAsync(A.HomeId, MemberId);

        (GuestAId, var guestAEmail, GuestAToken) = await Host.GuestAccountAsync();
        GrantA = await Host.GuestGrantAsync(A.OwnerToken, A.HomeId, guestAEmail, code: "482139", name: "Guest of A");
        (GuestBId, var guestBEmail, GuestBToken) = await Host.GuestAccountAsync();
        GrantB = await Host.GuestGrantAsync(B.OwnerToken, B.HomeId, guestBEmail, name: "Guest of B");
        var webhook = await (await Host.RequestAsync(HttpMethod.Post, "/api/v1/carrier/webhooks", A.CarrierKey,
            new { url = "https://hooks.example.com/carrier-a", events = new[] { "scheduled", "arrived" } })).JsonAsync(System.Net.HttpStatusCode.Created);
        WebhookA = webhook.GetProperty("id").GetGuid();
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public enum Caller
{
    Anonymous,
    Garbage,
    OwnerA,
    OwnerB,
    MemberA,
    GuestA,
    GuestB,
    CarrierA,
    CarrierB,
    CourierA,
    CourierB,
    ColleagueA,
}
