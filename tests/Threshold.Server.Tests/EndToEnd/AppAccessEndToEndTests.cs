using System.Net;
using System.Net.Http.Json;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.EndToEnd;

/// <summary>
/// The app's door commands (Grants/AccessApi.cs) over the real hub and simulated lock. The residents' own remote
/// lock/unlock (<c>POST /homes/{id}/locks/{lockId}/unlock|lock</c>): any member of the home, owner or not; everyone
/// else is told the lock does not exist; residents are not subject to lockout, and the hub refuses only delivery and
/// guest unlocks during one. A guest's app unlock (<c>POST /me/access/{grantId}/unlock</c>) counts an entry of the
/// grant, however the guest gets in, so the lock must follow what the app used up.
/// </summary>
public sealed class AppAccessEndToEndTests : IAsyncLifetime
{
    private Stack stack = null!;

    public async Task InitializeAsync() => stack = await Stack.StartAsync();

    public async Task DisposeAsync() => await stack.DisposeAsync();

    private World World => stack.World;

    private Task<HttpResponseMessage> SendAsync(string token, string action, Guid? homeId = null, Guid? lockId = null) =>
        stack.Server.Client(token).PostAsync($"/api/v1/homes/{homeId ?? World.HomeId}/locks/{lockId ?? World.LockId}/{action}", null);

    private static bool LockCommand(AuditLine e, Guid userId, Guid lockId, string action) =>
        e.Type == "lock.command" && e.Actor == "user:" + userId && e.Id("lockId") == lockId && e.Text("action") == action && e.Flag("remote") == true;

    [Fact]
    public async Task RemoteUnlockThenLock_Owner_BoltMovesAndTrailRecordsBoth()
    {
        Assert.Equal("locked", await stack.Control.BoltAsync());

        var unlocked = await (await SendAsync(World.OwnerToken, "unlock")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("unlocked", unlocked.GetProperty("status").GetString());
        // The hub answers only once the lock confirmed the new position.
        Assert.Equal("unlocked", await stack.Control.BoltAsync());

        var locked = await (await SendAsync(World.OwnerToken, "lock")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("locked", locked.GetProperty("status").GetString());
        Assert.Equal("locked", await stack.Control.BoltAsync());

        // The server's record of each request, the hub's signed report of each execution, and the bolt's own reports.
        var reference = "resident:" + World.OwnerId;
        bool Executed(AuditLine e, string cmd) =>
            e.Type == "hub.event" && e.Text("type") == "command_executed" && e.Text("cmd") == cmd && e.Text("reference") == reference;
        bool Bolt(AuditLine e, string kind) => e.Type == "device.event" && e.Id("lockId") == World.LockId && e.Text("event") == kind;
        // The hub reports in order: once the lock's reports are in, the unlock's are too.
        await Eventually.UntilAsync(async () => await stack.AuditAsync() is var t && t.Any(e => Executed(e, "lock")) && t.Any(e => Bolt(e, "BoltLocked")),
            "the hub's reports of the lock command", stack.Changes);
        var trail = await stack.AuditAsync();
        Assert.Single(trail, e => LockCommand(e, World.OwnerId, World.LockId, "unlock"));
        Assert.Single(trail, e => LockCommand(e, World.OwnerId, World.LockId, "lock"));
        Assert.Single(trail, e => Executed(e, "unlock"));
        Assert.Single(trail, e => Executed(e, "lock"));
        Assert.Contains(trail, e => Bolt(e, "BoltUnlocked"));
    }

    [Fact]
    public async Task RemoteUnlock_MemberNotOwner_BoltMoves()
    {
        var (memberId, memberToken) = await stack.Server.ResidentAsync();
        await stack.Server.AddMemberAsync(World.HomeId, memberId);

        await (await SendAsync(memberToken, "unlock")).JsonAsync(HttpStatusCode.OK);

        Assert.Equal("unlocked", await stack.Control.BoltAsync());
        Assert.Single(await stack.AuditAsync(), e => LockCommand(e, memberId, World.LockId, "unlock"));
    }

    [Fact]
    public async Task RemoteUnlock_HubOffline_ServiceUnavailableAndBoltStays()
    {
        await stack.StopHubAsync();

        await (await SendAsync(World.OwnerToken, "unlock")).ProblemAsync(HttpStatusCode.ServiceUnavailable, "hub_offline");
        await (await SendAsync(World.OwnerToken, "lock")).ProblemAsync(HttpStatusCode.ServiceUnavailable, "hub_offline");

        Assert.Equal("locked", await stack.Control.BoltAsync());
        // The request is audited before it is sent, so the attempt stays on record although it went nowhere.
        var trail = await stack.AuditAsync();
        Assert.Single(trail, e => LockCommand(e, World.OwnerId, World.LockId, "unlock"));
        Assert.DoesNotContain(trail, e => e.Type == "hub.event" && e.Text("type") == "command_executed" && e.Text("reference") == "resident:" + World.OwnerId);
    }

    [Fact]
    public async Task RemoteUnlock_NotAMember_NotFoundAndBoltStays()
    {
        // Another home's resident (on this home, and on their own home naming this lock) and this home's invited guest.
        var (_, strangerToken) = await stack.Server.ResidentAsync();
        var (strangerHome, _) = await stack.Server.HomeAsync(strangerToken);
        var guest = await stack.Server.GuestAccountAsync();
        await stack.Server.GuestGrantAsync(World.OwnerToken, World.HomeId, guest.Email);

        foreach (var action in new[] { "unlock", "lock" })
        {
            await (await SendAsync(strangerToken, action)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
            await (await SendAsync(strangerToken, action, homeId: strangerHome)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
            await (await SendAsync(guest.Token, action)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        }

        Assert.Equal("locked", await stack.Control.BoltAsync());
        Assert.DoesNotContain(await stack.AuditAsync(), e => e.Type == "lock.command");
    }

    [Fact]
    public async Task RemoteUnlock_UnknownLockId_NotFoundAndBoltStays()
    {
        await (await SendAsync(World.OwnerToken, "unlock", lockId: Guid.NewGuid())).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await SendAsync(World.OwnerToken, "lock", lockId: Guid.NewGuid())).ProblemAsync(HttpStatusCode.NotFound, "not_found");

        Assert.Equal("locked", await stack.Control.BoltAsync());
        Assert.DoesNotContain(await stack.AuditAsync(), e => e.Type == "lock.command");
    }

    [Fact]
    public async Task RemoteUnlock_DuringLockout_ResidentStillUnlocks()
    {
        // A keypad slot shows when the hub holds the lockout: it disables the slot.
        await stack.Server.GuestGrantAsync(World.OwnerToken, World.HomeId, guestEmail: null, code: "903172");
        await Eventually.UntilAsync(async () => await stack.Control.SlotsAsync() is [{ Enabled: true }], "the guest's slot enabled", stack.Changes);
        (await stack.Server.Client(World.OwnerToken).PutAsJsonAsync($"/api/v1/homes/{World.HomeId}/lockout", new { })).EnsureSuccessStatusCode();
        await Eventually.UntilAsync(async () => await stack.Control.SlotsAsync() is [{ Enabled: false }], "the hub holds the lockout (slot disabled)", stack.Changes);

        var unlocked = await (await SendAsync(World.OwnerToken, "unlock")).JsonAsync(HttpStatusCode.OK);

        Assert.Equal("unlocked", unlocked.GetProperty("status").GetString());
        Assert.Equal("unlocked", await stack.Control.BoltAsync());
        Assert.Single(await stack.AuditAsync(), e => LockCommand(e, World.OwnerId, World.LockId, "unlock"));
    }

    [Fact]
    public async Task GuestAppUnlock_MaxEntriesUsedUp_KeypadCodeStopsWorkingOnTheLock()
    {
        const string code = "582914";
        var guest = await stack.Server.GuestAccountAsync();
        var grant = await stack.Server.GuestGrantAsync(World.OwnerToken, World.HomeId, guest.Email, code, maxEntries: 2);
        await Eventually.UntilAsync(async () => await stack.Control.SlotsAsync() is [{ Enabled: true }], "the guest's code enabled on the lock", stack.Changes);

        for (var entry = 1; entry <= 2; entry++)
        {
            var unlocked = await (await stack.Server.AppUnlockAsync(guest.Token, grant)).JsonAsync(HttpStatusCode.OK);
            Assert.Equal("unlocked", unlocked.GetProperty("status").GetString());
            Assert.Equal("unlocked", await stack.Control.BoltAsync());
            await stack.Control.ManualLockAsync();
            Assert.Equal("locked", await stack.Control.BoltAsync());
        }

        // The server counted both: the app may not enter a third time.
        await (await stack.Server.AppUnlockAsync(guest.Token, grant)).ProblemAsync(HttpStatusCode.Forbidden, "max_entries_reached");
        var listed = Assert.Single(await stack.Server.GrantsAsync(World.OwnerToken, World.HomeId));
        Assert.Equal(2, listed.GetProperty("entriesUsed").GetInt32());

        // Nor may the code: within seconds its slot is disabled or cleared. Typing it only once that shows, because a
        // working code typed while waiting would be an entry the hub counts itself, and that would hide the defect.
        await Eventually.UntilAsync(async () => (await stack.Control.SlotsAsync()).All(s => !s.Enabled),
            "the code of a grant whose maxEntries the app used up, disabled or cleared on the lock", stack.Changes, TimeSpan.FromSeconds(10));
        Assert.False(await stack.Control.TypeCodeAsync(code));
        Assert.Equal("locked", await stack.Control.BoltAsync());
    }
}
