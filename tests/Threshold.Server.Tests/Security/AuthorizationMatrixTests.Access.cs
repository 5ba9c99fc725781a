using System.Net;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Security;

/// <summary>
/// The matrix rows for access itself: grants, keypad settings, pairing codes, the residents' remote lock/unlock,
/// lockout and the guests' <c>/me/access</c>. Rules read from the server: every home endpoint here needs a member,
/// keypad settings and pairing codes need the owner; <c>/me/access/{grant}</c> exists only for the grant's invitee.
/// </summary>
public sealed partial class AuthorizationMatrixTests
{
    private const HttpStatusCode NotFound = HttpStatusCode.NotFound;
    private const HttpStatusCode Unauthorized = HttpStatusCode.Unauthorized;
    private const HttpStatusCode Forbidden = HttpStatusCode.Forbidden;

    // Built on each call, not as static fields: Table is initialised from another part of this class, in an unspecified order.
    private static Endpoint[] AccessEndpoints() =>
    [
        // Each body is valid, so without the check the call would succeed (and write, or send a command).
        new("POST /homes/{id}/grants", HttpMethod.Post, (_, h) => $"/api/v1/homes/{h}/grants",
            (_, _) => new { name = "Intruder", kind = "guest", schedule = new { type = "always" }, keypad = new { generate = true } }),
        new("GET /homes/{id}/grants", HttpMethod.Get, (_, h) => $"/api/v1/homes/{h}/grants", null),
        new("DELETE /homes/{id}/grants/{A's grant}", HttpMethod.Delete, (w, h) => $"/api/v1/homes/{h}/grants/{w.GrantA}", null),
        new("PUT /homes/{id}/keypad", HttpMethod.Put, (_, h) => $"/api/v1/homes/{h}/keypad", (_, _) => new { codeLength = 4 }),
        new("POST /homes/{id}/pairing-codes", HttpMethod.Post, (_, h) => $"/api/v1/homes/{h}/pairing-codes", null),
        new("POST /homes/{id}/locks/{A's lock}/unlock", HttpMethod.Post, (w, h) => $"/api/v1/homes/{h}/locks/{w.A.LockId}/unlock", null),
        new("POST /homes/{id}/locks/{A's lock}/lock", HttpMethod.Post, (w, h) => $"/api/v1/homes/{h}/locks/{w.A.LockId}/lock", null),
    ];

    private static readonly string[] OwnerOnly = ["PUT /homes/{id}/keypad", "POST /homes/{id}/pairing-codes"];

    private static IEnumerable<Row> AccessRows()
    {
        var access = AccessEndpoints();
        foreach (var e in access)
        {
            yield return R(e, "the owner of home B, on home A", Caller.OwnerB, w => w.A.HomeId, NotFound, "not_found");
            yield return R(e, "owner A, on an unknown home id", Caller.OwnerA, _ => Guid.NewGuid(), NotFound, "not_found");
            // App access to a home is no membership: the resident endpoints do not exist for its guest.
            yield return R(e, "home A's invited guest (not a member), on home A", Caller.GuestA, w => w.A.HomeId, NotFound, "not_found");
            yield return R(e, "a courier token (wrong role), on home A", Caller.CourierA, w => w.A.HomeId, Forbidden, "forbidden");
            yield return R(e, "a carrier key (wrong role), on home A", Caller.CarrierA, w => w.A.HomeId, Unauthorized, "unauthorized");
        }

        // Lockout and every other resident endpoint, too, for callers with no valid credentials at all.
        foreach (var e in ResidentEndpoints.Concat(access))
        {
            yield return R(e, "an anonymous caller, on home A", Caller.Anonymous, w => w.A.HomeId, Unauthorized, "unauthorized");
            yield return R(e, "a garbage token, on home A", Caller.Garbage, w => w.A.HomeId, Unauthorized, "unauthorized");
        }

        foreach (var e in access.Where(e => OwnerOnly.Contains(e.Name)))
        {
            yield return R(e, "a non-owner member of home A", Caller.MemberA, w => w.A.HomeId, NotFound, "not_found");
        }

        // The home is the caller's, the grant or lock is not (and the reverse), or it does not exist.
        foreach (var (noun, suffix, method, ofA, ofB) in new (string, string, HttpMethod, Func<TwoWorlds, Guid>, Func<TwoWorlds, Guid>)[]
        {
            ("grant", "", HttpMethod.Delete, w => w.GrantA, w => w.GrantB),
            ("lock", "/unlock", HttpMethod.Post, w => w.A.LockId, w => w.B.LockId),
            ("lock", "/lock", HttpMethod.Post, w => w.A.LockId, w => w.B.LockId),
        })
        {
            string Path(Guid home, Guid item) => $"/api/v1/homes/{home}/{noun}s/{item}{suffix}";
            string Name(string home, string item, string who) => $"{method} /homes/{{{home}}}/{noun}s/{{{item}}}{suffix} by {who}";
            yield return new(Name("B", $"A's {noun}", "the owner of home B"), method, w => Path(w.B.HomeId, ofA(w)), Caller.OwnerB, null, NotFound, "not_found");
            yield return new(Name("A", $"B's {noun}", "owner A"), method, w => Path(w.A.HomeId, ofB(w)), Caller.OwnerA, null, NotFound, "not_found");
            yield return new(Name("A", $"unknown {noun}", "owner A"), method, w => Path(w.A.HomeId, Guid.NewGuid()), Caller.OwnerA, null, NotFound, "not_found");
        }

        foreach (var row in MeAccessRows())
        {
            yield return row;
        }
    }

    private static IEnumerable<Row> MeAccessRows()
    {
        var list = new Endpoint("GET /me/access", HttpMethod.Get, (_, _) => "/api/v1/me/access", null);
        yield return R(list, "an anonymous caller", Caller.Anonymous, _ => default, Unauthorized, "unauthorized");
        yield return R(list, "a garbage token", Caller.Garbage, _ => default, Unauthorized, "unauthorized");
        yield return R(list, "a courier token (wrong role)", Caller.CourierA, _ => default, Forbidden, "forbidden");
        yield return R(list, "a carrier key (wrong role)", Caller.CarrierA, _ => default, Unauthorized, "unauthorized");

        // Only the invitee holds a grant's app access: not the home's owner or members, not another home's guest.
        var unlock = new Endpoint("POST /me/access/{grant}/unlock", HttpMethod.Post, (_, g) => $"/api/v1/me/access/{g}/unlock", null);
        yield return R(unlock, "home B's guest, on home A's grant (another person's)", Caller.GuestB, w => w.GrantA, NotFound, "not_found");
        yield return R(unlock, "home A's guest, on home B's grant (another home's)", Caller.GuestA, w => w.GrantB, NotFound, "not_found");
        yield return R(unlock, "home A's guest, on an unknown grant id", Caller.GuestA, _ => Guid.NewGuid(), NotFound, "not_found");
        yield return R(unlock, "owner A, on home A's grant (not its invitee)", Caller.OwnerA, w => w.GrantA, NotFound, "not_found");
        yield return R(unlock, "a non-owner member of home A, on home A's grant", Caller.MemberA, w => w.GrantA, NotFound, "not_found");
        yield return R(unlock, "the owner of home B, on home A's grant", Caller.OwnerB, w => w.GrantA, NotFound, "not_found");
        yield return R(unlock, "an anonymous caller, on home A's grant", Caller.Anonymous, w => w.GrantA, Unauthorized, "unauthorized");
        yield return R(unlock, "a garbage token, on home A's grant", Caller.Garbage, w => w.GrantA, Unauthorized, "unauthorized");
        yield return R(unlock, "a courier token (wrong role), on home A's grant", Caller.CourierA, w => w.GrantA, Forbidden, "forbidden");
        yield return R(unlock, "a carrier key (wrong role), on home A's grant", Caller.CarrierA, w => w.GrantA, Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task MeAccess_EachGuest_ListsOnlyTheirOwnGrant()
    {
        // The /me/access rows above are 404 because the grant is someone else's, not because the guests have none.
        async Task<List<Guid>> GrantsOf(string token) =>
            (await (await Host.Client(token).GetAsync("/api/v1/me/access")).JsonAsync(HttpStatusCode.OK)).EnumerateArray()
                .Select(a => a.GetProperty("grantId").GetGuid()).ToList();

        Assert.Equal([worlds.GrantA], await GrantsOf(worlds.GuestAToken));
        Assert.Equal([worlds.GrantB], await GrantsOf(worlds.GuestBToken));
        Assert.Empty(await GrantsOf(worlds.A.OwnerToken));
        Assert.Empty(await GrantsOf(worlds.MemberToken));
    }

    [Fact]
    public async Task Member_NonOwner_SeesTheHomesGrants()
    {
        // The member rows for keypad settings and pairing codes are 404 because of the role: grants need only membership.
        var grants = await Host.GrantsAsync(worlds.MemberToken, worlds.A.HomeId);
        Assert.Equal([worlds.GrantA], grants.Select(g => g.GetProperty("id").GetGuid()));
    }
}
