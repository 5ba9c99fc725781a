using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Security;

/// <summary>
/// Object-level authorization (DESIGN §5): every endpoint that takes an id, called by someone who may
/// not act on that object, answers 404 not_found (or 403 for the wrong kind of caller) and writes nothing.
/// </summary>
public sealed partial class AuthorizationMatrixTests(TwoWorlds worlds) : IClassFixture<TwoWorlds>
{
    private ServerHost Host => worlds.Host;

    internal sealed record Row(
        string Name, HttpMethod Method, Func<TwoWorlds, string> Path, Caller Caller, Func<TwoWorlds, object?>? Body,
        HttpStatusCode Status, string Code, bool AuditedDenial = false);

    private sealed record Endpoint(string Name, HttpMethod Method, Func<TwoWorlds, Guid, string> Path, Func<TwoWorlds, Caller, object?>? Body);

    private static readonly Endpoint[] ResidentEndpoints =
    [
        new("GET /homes/{id}", HttpMethod.Get, (_, h) => $"/api/v1/homes/{h}", null),
        new("PUT /homes/{id}/lockout", HttpMethod.Put, (_, h) => $"/api/v1/homes/{h}/lockout", (_, _) => new { }),
        new("DELETE /homes/{id}/lockout", HttpMethod.Delete, (_, h) => $"/api/v1/homes/{h}/lockout", null),
        // Carrier B is not enrolled with home A, so without the check this would enrol it (201).
        new("POST /homes/{id}/carriers", HttpMethod.Post, (_, h) => $"/api/v1/homes/{h}/carriers",
            (w, _) => new { carrierId = w.B.CarrierId, policy = Api.EveryDayPolicy() }),
        new("GET /homes/{id}/carriers", HttpMethod.Get, (_, h) => $"/api/v1/homes/{h}/carriers", null),
        new("GET /homes/{id}/deliveries", HttpMethod.Get, (_, h) => $"/api/v1/homes/{h}/deliveries", null),
        new("POST /homes/{id}/deliveries/{d}/decline", HttpMethod.Post, (w, h) => $"/api/v1/homes/{h}/deliveries/{w.A.DeliveryId}/decline", null),
        new("GET /homes/{id}/events", HttpMethod.Get, (_, h) => $"/api/v1/homes/{h}/events", null),
        new("GET /homes/{id}/events/stream", HttpMethod.Get, (_, h) => $"/api/v1/homes/{h}/events/stream", null),
        new("GET /homes/{id}/audit", HttpMethod.Get, (_, h) => $"/api/v1/homes/{h}/audit", null),
    ];

    /// <summary>The courier body names the caller's own courier, so only the delivery's ownership is at fault.</summary>
    private static readonly Endpoint[] CarrierEndpoints =
    [
        new("GET /deliveries/{id}", HttpMethod.Get, (_, d) => $"/api/v1/deliveries/{d}", null),
        new("PUT /deliveries/{id}/courier", HttpMethod.Put, (_, d) => $"/api/v1/deliveries/{d}/courier",
            (w, c) => new { courierId = c == Caller.CarrierB ? w.B.CourierId : w.A.CourierId }),
        new("DELETE /deliveries/{id}", HttpMethod.Delete, (_, d) => $"/api/v1/deliveries/{d}", null),
    ];

    private static readonly Endpoint[] CourierEndpoints =
    [
        new("GET /courier/deliveries/{id}", HttpMethod.Get, (_, d) => $"/api/v1/courier/deliveries/{d}", null),
        new("POST /courier/deliveries/{id}/arrive", HttpMethod.Post, (_, d) => $"/api/v1/courier/deliveries/{d}/arrive", (_, _) => Api.AtTheDoor()),
        new("POST /courier/deliveries/{id}/unlock", HttpMethod.Post, (_, d) => $"/api/v1/courier/deliveries/{d}/unlock", null),
        new("POST /courier/deliveries/{id}/lock", HttpMethod.Post, (_, d) => $"/api/v1/courier/deliveries/{d}/lock", null),
    ];

    internal static readonly Row[] Table = BuildTable();

    private static Row R(Endpoint e, string who, Caller caller, Func<TwoWorlds, Guid> target, HttpStatusCode status, string code, bool audited = false) =>
        new($"{e.Name} by {who}", e.Method, w => e.Path(w, target(w)), caller, e.Body is null ? null : w => e.Body(w, caller), status, code, audited);

    private static Row[] BuildTable()
    {
        const HttpStatusCode NotFound = HttpStatusCode.NotFound;
        var rows = new List<Row>();

        foreach (var e in ResidentEndpoints)
        {
            rows.Add(R(e, "the owner of home B, on home A", Caller.OwnerB, w => w.A.HomeId, NotFound, "not_found"));
            rows.Add(R(e, "owner A, on an unknown home id", Caller.OwnerA, _ => Guid.NewGuid(), NotFound, "not_found"));
            rows.Add(R(e, "a courier token (wrong role), on home A", Caller.CourierA, w => w.A.HomeId, HttpStatusCode.Forbidden, "forbidden"));
            rows.Add(R(e, "a carrier key (wrong role), on home A", Caller.CarrierA, w => w.A.HomeId, HttpStatusCode.Unauthorized, "unauthorized"));
        }

        // Owner-only endpoints refuse a plain member as if the home did not exist.
        rows.Add(R(ResidentEndpoints[3], "a non-owner member of home A", Caller.MemberA, w => w.A.HomeId, NotFound, "not_found"));
        rows.Add(R(ResidentEndpoints[9], "a non-owner member of home A", Caller.MemberA, w => w.A.HomeId, NotFound, "not_found"));

        // Decline: the home is the caller's, the delivery is not (and the reverse).
        rows.Add(new("POST /homes/{B}/deliveries/{A's delivery}/decline by the owner of home B", HttpMethod.Post,
            w => $"/api/v1/homes/{w.B.HomeId}/deliveries/{w.A.DeliveryId}/decline", Caller.OwnerB, null, NotFound, "not_found"));
        rows.Add(new("POST /homes/{A}/deliveries/{B's delivery}/decline by owner A", HttpMethod.Post,
            w => $"/api/v1/homes/{w.A.HomeId}/deliveries/{w.B.DeliveryId}/decline", Caller.OwnerA, null, NotFound, "not_found"));
        rows.Add(new("POST /homes/{A}/deliveries/{unknown}/decline by owner A", HttpMethod.Post,
            w => $"/api/v1/homes/{w.A.HomeId}/deliveries/{Guid.NewGuid()}/decline", Caller.OwnerA, null, NotFound, "not_found"));

        foreach (var e in CarrierEndpoints)
        {
            rows.Add(R(e, "carrier B's key, on A's delivery", Caller.CarrierB, w => w.A.DeliveryId, NotFound, "not_found"));
            rows.Add(R(e, "carrier A's key, on an unknown delivery id", Caller.CarrierA, _ => Guid.NewGuid(), NotFound, "not_found"));
            rows.Add(R(e, "a resident token (wrong role), on A's delivery", Caller.OwnerA, w => w.A.DeliveryId, HttpStatusCode.Unauthorized, "unauthorized"));
            rows.Add(R(e, "a courier token (wrong role), on A's delivery", Caller.CourierA, w => w.A.DeliveryId, HttpStatusCode.Unauthorized, "unauthorized"));
        }

        rows.Add(new("PUT /deliveries/{A's delivery}/courier by carrier A naming carrier B's courier", HttpMethod.Put,
            w => $"/api/v1/deliveries/{w.A.DeliveryId}/courier", Caller.CarrierA, w => new { courierId = w.B.CourierId },
            HttpStatusCode.BadRequest, "unknown_courier"));
        rows.Add(new("POST /deliveries by carrier B with home A's homeAccessId", HttpMethod.Post,
            _ => "/api/v1/deliveries", Caller.CarrierB, w => new
            {
                homeAccessId = w.A.HomeAccessId,
                externalRef = "ext-" + Guid.NewGuid().ToString("N"),
                packages = new[] { "PKG-1" },
                window = new { start = w.Host.Clock.GetUtcNow().ToString("O"), end = w.Host.Clock.GetUtcNow().AddHours(1).ToString("O") },
            },
            HttpStatusCode.BadRequest, "unknown_home_access_id"));

        foreach (var e in CourierEndpoints)
        {
            rows.Add(R(e, "carrier B's courier, on A's delivery", Caller.CourierB, w => w.A.DeliveryId, NotFound, "not_found"));
            rows.Add(R(e, "courier A, on an unknown delivery id", Caller.CourierA, _ => Guid.NewGuid(), NotFound, "not_found"));
            rows.Add(R(e, "a resident token (wrong role), on A's delivery", Caller.OwnerA, w => w.A.DeliveryId, HttpStatusCode.Forbidden, "forbidden"));
            rows.Add(R(e, "a carrier key (wrong role), on A's delivery", Caller.CarrierA, w => w.A.DeliveryId, HttpStatusCode.Unauthorized, "unauthorized"));
        }

        // A colleague (same carrier, not assigned) may not see the stop; at the door the refusal is a decision, audited.
        rows.Add(R(CourierEndpoints[0], "a colleague courier not assigned", Caller.ColleagueA, w => w.A.DeliveryId, NotFound, "not_found"));
        rows.Add(R(CourierEndpoints[1], "a colleague courier not assigned", Caller.ColleagueA, w => w.A.DeliveryId, HttpStatusCode.Forbidden, "not_assigned", audited: true));
        rows.Add(R(CourierEndpoints[2], "a colleague courier not assigned", Caller.ColleagueA, w => w.A.DeliveryId, HttpStatusCode.Forbidden, "not_assigned", audited: true));
        rows.Add(R(CourierEndpoints[3], "a colleague courier not assigned", Caller.ColleagueA, w => w.A.DeliveryId, HttpStatusCode.Forbidden, "not_assigned"));

        // Ids that are not GUIDs match no route at all.
        rows.Add(new("GET /homes/{not a GUID} by owner A", HttpMethod.Get, _ => "/api/v1/homes/not-a-guid", Caller.OwnerA, null, NotFound, "not_found"));
        rows.Add(new("PUT /homes/{../} lockout by owner A", HttpMethod.Put, w => $"/api/v1/homes/{w.A.HomeId}%2F..%2F{w.B.HomeId}/lockout", Caller.OwnerA, _ => new { }, NotFound, "not_found"));
        rows.Add(new("GET /deliveries/{number} by carrier A", HttpMethod.Get, _ => "/api/v1/deliveries/12345", Caller.CarrierA, null, NotFound, "not_found"));
        rows.Add(new("POST /courier/deliveries/{not a GUID}/unlock by courier A", HttpMethod.Post, _ => "/api/v1/courier/deliveries/x/unlock", Caller.CourierA, null, NotFound, "not_found"));

        // Wrong role on the id-less collection endpoints.
        rows.Add(new("GET /homes by a courier token", HttpMethod.Get, _ => "/api/v1/homes", Caller.CourierA, null, HttpStatusCode.Forbidden, "forbidden"));
        rows.Add(new("POST /homes by a courier token", HttpMethod.Post, _ => "/api/v1/homes", Caller.CourierA,
            _ => new { name = "Nope", timeZone = "Europe/Berlin", latitude = 1.0, longitude = 1.0 }, HttpStatusCode.Forbidden, "forbidden"));
        rows.Add(new("POST /homes by a carrier key", HttpMethod.Post, _ => "/api/v1/homes", Caller.CarrierA,
            _ => new { name = "Nope", timeZone = "Europe/Berlin", latitude = 1.0, longitude = 1.0 }, HttpStatusCode.Unauthorized, "unauthorized"));
        rows.Add(new("GET /courier/deliveries by a resident token", HttpMethod.Get, _ => "/api/v1/courier/deliveries", Caller.OwnerA, null, HttpStatusCode.Forbidden, "forbidden"));
        rows.Add(new("GET /carrier/couriers by a resident token", HttpMethod.Get, _ => "/api/v1/carrier/couriers", Caller.OwnerA, null, HttpStatusCode.Unauthorized, "unauthorized"));
        rows.Add(new("POST /carrier/couriers by a courier token", HttpMethod.Post, _ => "/api/v1/carrier/couriers", Caller.CourierA,
            _ => new { email = $"x{Guid.NewGuid():N}@example.test", password = Api.Password, name = "Sneaky" }, HttpStatusCode.Unauthorized, "unauthorized"));
        rows.Add(new("POST /deliveries by a resident token", HttpMethod.Post, _ => "/api/v1/deliveries", Caller.OwnerA,
            w => new { homeAccessId = w.A.HomeAccessId, externalRef = "x", packages = new[] { "P" }, window = new { start = "2026-11-24T10:00:00Z", end = "2026-11-24T11:00:00Z" } },
            HttpStatusCode.Unauthorized, "unauthorized"));

        rows.AddRange(AccessRows());
        rows.AddRange(WebhookRows());

        var duplicate = rows.GroupBy(r => r.Name).FirstOrDefault(g => g.Count() > 1);
        return duplicate is null ? [.. rows] : throw new InvalidOperationException("Duplicate row name: " + duplicate.Key);
    }

    public static TheoryData<string> RowNames()
    {
        var data = new TheoryData<string>();
        foreach (var row in Table)
        {
            data.Add(row.Name);
        }

        return data;
    }

    private string? Token(Caller caller) => caller switch
    {
        Caller.Anonymous => null,
        Caller.Garbage => "not-a-token",
        Caller.OwnerA => worlds.A.OwnerToken,
        Caller.OwnerB => worlds.B.OwnerToken,
        Caller.MemberA => worlds.MemberToken,
        Caller.GuestA => worlds.GuestAToken,
        Caller.GuestB => worlds.GuestBToken,
        Caller.CarrierA => worlds.A.CarrierKey,
        Caller.CarrierB => worlds.B.CarrierKey,
        Caller.CourierA => worlds.A.CourierToken,
        Caller.CourierB => worlds.B.CourierToken,
        Caller.ColleagueA => worlds.ColleagueToken,
        _ => throw new ArgumentOutOfRangeException(nameof(caller)),
    };

    private async Task CallAsync(Row row)
    {
        var body = row.Body?.Invoke(worlds);
        var response = await Host.SendAsync(row.Method, row.Path(worlds), Token(row.Caller), body is null ? null : JsonSerializer.Serialize(body));
        await response.ProblemAsync(row.Status, row.Code, field: "*", $"[{row.Name}]");
    }

    [Theory]
    [MemberData(nameof(RowNames))]
    public async Task Call_CallerWithoutRightsOnThatObject_RefusedAndWritesNothing(string name)
    {
        var row = Table.Single(r => r.Name == name);
        var before = await DbSnapshot.TakeAsync(Host);
        var trailBefore = row.AuditedDenial ? await Host.AuditAsync(worlds.A.OwnerToken, worlds.A.HomeId) : [];
        var commandsBefore = Host.Hub.Commands.Count;

        await CallAsync(row);

        var after = await DbSnapshot.TakeAsync(Host);
        if (Host.Hub.Commands.Count != commandsBefore)
        {
            Assert.Fail($"[{row.Name}] sent a command to the hub: {Host.Hub.Commands.Last()}");
        }
        if (!row.AuditedDenial)
        {
            before.AssertUnchanged(after, $"[{row.Name}]");
            return;
        }

        // The door decision is audited (DESIGN §5) and that is the only thing written.
        var diff = before.Diff(after);
        Assert.True(diff.Keys.All(t => t.StartsWith("Audit", StringComparison.Ordinal)), $"[{row.Name}] wrote outside the audit trail:\n{DbSnapshot.Describe(diff)}");
        var entries = diff.GetValueOrDefault("AuditEntries");
        Assert.True(entries.Added?.Count == 1 && entries.Removed.Count == 0, $"[{row.Name}] expected one audit entry:\n{DbSnapshot.Describe(diff)}");
        // That entry is the next link of A's chain, and it is the colleague's refused door step.
        var trailAfter = await Host.AuditAsync(worlds.A.OwnerToken, worlds.A.HomeId);
        Assert.True(trailAfter.Count == trailBefore.Count + 1, $"[{row.Name}] expected one more entry in A's trail:\n{AuditLog.Describe(trailAfter.Skip(trailBefore.Count))}");
        var denial = trailAfter[^1];
        Assert.True(
            denial.Type == "access.decision" && denial.Flag("allowed") == false && denial.Text("reason") == "not_assigned"
            && denial.Id("deliveryId") == worlds.A.DeliveryId && denial.Actor == "courier:" + worlds.ColleagueId,
            $"[{row.Name}] the entry written is not the colleague's refused step: {denial}");
    }

    [Fact]
    public async Task Matrix_AllRefusedCalls_WorldAUnchangedAndAuditOfANeverMentionsB()
    {
        foreach (var row in Table)
        {
            await CallAsync(row);
        }

        var a = worlds.A;
        var b = worlds.B;
        foreach (var (world, key) in new[] { (a, a.CarrierKey), (b, b.CarrierKey) })
        {
            var delivery = await (await Host.Client(key).GetAsync($"/api/v1/deliveries/{world.DeliveryId}")).JsonAsync(HttpStatusCode.OK);
            Assert.Equal("scheduled", delivery.GetProperty("status").GetString());
            Assert.Equal(world.CourierId, delivery.GetProperty("courierId").GetGuid());
            var home = await (await Host.Client(world.OwnerToken).GetAsync($"/api/v1/homes/{world.HomeId}")).JsonAsync(HttpStatusCode.OK);
            Assert.False(home.GetProperty("lockoutActive").GetBoolean());
            var enrolments = await (await Host.Client(world.OwnerToken).GetAsync($"/api/v1/homes/{world.HomeId}/carriers")).JsonAsync(HttpStatusCode.OK);
            Assert.Equal([world.CarrierId], enrolments.EnumerateArray().Select(e => e.GetProperty("carrierId").GetGuid()));
        }

        // The grants of both homes are as created: none revoked, no entry used, no hub command sent for any refused call.
        foreach (var (world, grant) in new[] { (a, worlds.GrantA), (b, worlds.GrantB) })
        {
            var grants = await Host.GrantsAsync(world.OwnerToken, world.HomeId);
            var only = Assert.Single(grants);
            Assert.Equal(grant, only.GetProperty("id").GetGuid());
            Assert.False(only.GetProperty("revoked").GetBoolean());
            Assert.Equal(0, only.GetProperty("entriesUsed").GetInt32());
        }

        Assert.Empty(Host.Hub.Commands);

        var trail = await Host.AuditAsync(a.OwnerToken, a.HomeId);
        Assert.NotEmpty(trail);
        Assert.All(trail, e => Assert.Equal(a.HomeId, e.HomeId));
        var bIds = new[] { b.HomeId, b.OwnerId, b.CarrierId, b.CourierId, b.DeliveryId, b.LockId, worlds.GrantB, worlds.GuestBId }
            .Select(g => g.ToString()).Append(b.HomeAccessId);
        foreach (var id in bIds)
        {
            // Every name and string value of every entry, at any depth: an id of B must appear in none.
            Assert.DoesNotContain(trail, e => e.Strings().Any(s => s.Contains(id, StringComparison.OrdinalIgnoreCase)));
        }
    }

    [Fact]
    public async Task Lists_OtherWorldsCaller_ShowNothingOfA()
    {
        var a = worlds.A;
        var b = worlds.B;

        var homesOfB = await (await Host.Client(b.OwnerToken).GetAsync("/api/v1/homes")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal([b.HomeId], homesOfB.EnumerateArray().Select(h => h.GetProperty("id").GetGuid()));

        var stopsOfB = await (await Host.Client(b.CourierToken).GetAsync("/api/v1/courier/deliveries")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal([b.DeliveryId], stopsOfB.EnumerateArray().Select(d => d.GetProperty("id").GetGuid()));

        var stopsOfColleague = await (await Host.Client(worlds.ColleagueToken).GetAsync("/api/v1/courier/deliveries")).JsonAsync(HttpStatusCode.OK);
        Assert.Empty(stopsOfColleague.EnumerateArray());

        var couriersOfB = await (await Host.Client(b.CarrierKey).GetAsync("/api/v1/carrier/couriers")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal([b.CourierId], couriersOfB.EnumerateArray().Select(c => c.GetProperty("id").GetGuid()));

        var deliveriesOfB = await (await Host.Client(b.OwnerToken).GetAsync($"/api/v1/homes/{b.HomeId}/deliveries")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal([b.DeliveryId], deliveriesOfB.EnumerateArray().Select(d => d.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task Member_NonOwner_SeesHomeButNotOwnerOnlyEndpoints()
    {
        // The member rows above are 404 because of the role, not because the membership is missing.
        var homes = await (await Host.Client(worlds.MemberToken).GetAsync("/api/v1/homes")).JsonAsync(HttpStatusCode.OK);
        var only = Assert.Single(homes.EnumerateArray());
        Assert.Equal(worlds.A.HomeId, only.GetProperty("id").GetGuid());
        await (await Host.Client(worlds.MemberToken).GetAsync($"/api/v1/homes/{worlds.A.HomeId}")).JsonAsync(HttpStatusCode.OK);
        await (await Host.Client(worlds.MemberToken).GetAsync($"/api/v1/homes/{worlds.A.HomeId}/deliveries")).JsonAsync(HttpStatusCode.OK);
        await (await Host.Client(worlds.MemberToken).GetAsync($"/api/v1/homes/{worlds.A.HomeId}/audit")).ProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    /// <summary>
    /// Design §6: only these may be called without credentials (the hub pairs with its one-time code; a refresh carries
    /// its own token in the body).
    /// </summary>
    private static readonly string[] AnonymousAllowed =
        ["/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/push/vapid-public-key", "/health", "/openapi/{documentName}.json", "/api/v1/hubs/pair"];

    [Fact]
    public async Task Anonymous_EveryMappedEndpoint_Unauthorized()
    {
        var endpoints = Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => (Method: m, Pattern: "/" + (e.RoutePattern.RawText ?? "").TrimStart('/'))))
            .Distinct()
            .ToList();

        var checkedCount = 0;
        foreach (var (method, pattern) in endpoints)
        {
            if (AnonymousAllowed.Contains(pattern.TrimEnd('/')))
            {
                continue;
            }

            var path = Regex.Replace(pattern, "{[^}]+}", _ => Guid.NewGuid().ToString());
            var body = method is "POST" or "PUT" or "PATCH" ? "{}" : null;
            var response = await Host.SendAsync(new HttpMethod(method), path, bearer: null, body);
            await response.ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized", field: "*", $"anonymous {method} {pattern}");
            checkedCount++;
        }

        Assert.True(checkedCount >= 20, $"Only {checkedCount} endpoints found: {string.Join(", ", endpoints)}");

        // And the anonymous ones really are reachable.
        (await Host.Client().GetAsync("/health")).EnsureSuccessStatusCode();
        (await Host.Client().GetAsync("/openapi/v1.json")).EnsureSuccessStatusCode();
        await (await Host.Client().PostAsJsonAsync("/api/v1/auth/register", new { })).ProblemAsync(HttpStatusCode.BadRequest, "missing_field");
        await (await Host.Client().PostAsJsonAsync("/api/v1/auth/login", new { email = "nobody@example.test", password = "wrong wrong wrong" }))
            .ProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
    }
}
