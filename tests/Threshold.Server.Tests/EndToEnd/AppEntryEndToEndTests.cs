using System.Net;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.EndToEnd;

/// <summary>
/// A guest with both app access and a keypad code: entries are counted for the grant, however they were made,
/// so the lock must follow what the app used up (issue 8: the app unlock did not resend the credential set).
/// </summary>
public sealed class AppEntryEndToEndTests : IAsyncLifetime
{
    private Stack stack = null!;

    public async Task InitializeAsync() => stack = await Stack.StartAsync();

    public async Task DisposeAsync() => await stack.DisposeAsync();

    [Fact]
    public async Task AppUnlock_MaxEntriesUsedUpByApp_KeypadCodeStopsWorkingOnTheLock()
    {
        const string code = "582914";
        var guest = await stack.Server.GuestAccountAsync();
        var grant = await stack.Server.GuestGrantAsync(stack.World.OwnerToken, stack.World.HomeId, guest.Email, code, maxEntries: 2);
        await Stack.WaitUntilAsync(async () => await stack.Control.SlotsAsync() is [{ Enabled: true }], "the guest's code enabled on the lock");

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
        var listed = Assert.Single(await stack.Server.GrantsAsync(stack.World.OwnerToken, stack.World.HomeId));
        Assert.Equal(2, listed.GetProperty("entriesUsed").GetInt32());

        // Nor may the code: within seconds its slot is disabled or cleared. Typing it only once that shows, because a
        // working code typed while waiting would be an entry the hub counts itself, and that would hide the defect.
        await Stack.WaitUntilAsync(async () => (await stack.Control.SlotsAsync()).All(s => !s.Enabled),
            "the code of a grant whose maxEntries the app used up, disabled or cleared on the lock", seconds: 10);
        Assert.False(await stack.Control.TypeCodeAsync(code));
        Assert.Equal("locked", await stack.Control.BoltAsync());
    }
}
