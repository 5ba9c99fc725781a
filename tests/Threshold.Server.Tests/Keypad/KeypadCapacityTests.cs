using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Threshold.Protocol.Credentials;
using Threshold.Server.Data;
using Threshold.Server.Keypad;
using Threshold.Server.Tests.Security;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Keypad;

/// <summary>
/// The lock has room for <see cref="CredentialSetDocument.MaxCredentials"/> codes. A code past that would make the
/// credential set unsendable, and with it every later sync of the home (revocations and lockout included), so the code
/// that would not fit is refused with 409 <c>keypad_full</c> and nothing written; what counts is exactly what the set holds.
/// </summary>
public sealed class KeypadCapacityTests : IAsyncLifetime
{
    private const string KeypadFull = "keypad_full"; // the wire code, spelt out: README lists it
    private ServerHost host = null!;
    private Guid homeId;
    private string owner = null!;

    public async Task InitializeAsync()
    {
        host = await ServerHost.StartAsync();
        (_, owner) = await host.ResidentAsync();
        (homeId, _) = await host.HomeAsync(owner);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task CreateGrant_LockHoldsMaxCodes_KeypadFullNothingWritten()
    {
        await FillAsync(CredentialSetDocument.MaxCredentials);
        Assert.Equal(CredentialSetDocument.MaxCredentials, (await SetAsync()).Credentials.Count);
        Assert.Null(CredentialSetJson.Validate(await SetAsync() with { Version = 1 })); // no hub synced yet: version 0

        var before = await DbSnapshot.TakeAsync(host);
        await (await GrantAsync("One too many")).ProblemAsync(HttpStatusCode.Conflict, KeypadFull);
        await (await GrantAsync("Chosen code", new { code = "482139" })).ProblemAsync(HttpStatusCode.Conflict, KeypadFull);
        before.AssertUnchanged(await DbSnapshot.TakeAsync(host), "grant past the lock's room");

        // The set that goes to the hub stays valid, and app access needs no slot.
        Assert.Null(CredentialSetJson.Validate(await SetAsync() with { Version = 1 })); // no hub synced yet: version 0
        var invitee = await host.GuestAccountAsync();
        await host.GuestGrantAsync(owner, homeId, invitee.Email);
    }

    [Fact]
    public async Task CreateDelivery_KeypadPolicyLockFull_KeypadFullNothingWritten()
    {
        var (carrierId, key) = await host.CarrierAsync();
        var access = await host.EnrolAsync(owner, homeId, carrierId, KeypadPolicy);
        var (remoteCarrierId, remoteKey) = await host.CarrierAsync("Remote Co");
        var remoteAccess = await host.EnrolAsync(owner, homeId, remoteCarrierId);
        await FillAsync(CredentialSetDocument.MaxCredentials);

        var before = await DbSnapshot.TakeAsync(host);
        var start = host.Clock.GetUtcNow();
        var response = await host.Client(key).PostAsJsonAsync("/api/v1/deliveries", new
        {
            homeAccessId = access,
            externalRef = "ext-full",
            packages = new[] { "PKG-1" },
            window = new { start = start.ToString("O"), end = start.AddHours(2).ToString("O") },
        });
        await response.ProblemAsync(HttpStatusCode.Conflict, KeypadFull);
        before.AssertUnchanged(await DbSnapshot.TakeAsync(host), "keypad delivery past the lock's room");

        // A delivery the courier opens remotely takes no slot.
        await host.DeliveryAsync(remoteKey, remoteAccess, courierId: null);
        Assert.Equal(CredentialSetDocument.MaxCredentials, (await SetAsync()).Credentials.Count);
    }

    [Fact]
    public async Task CreateGrant_SlotFreedByRevokeOrEndedDelivery_CountsWhatTheSetHolds()
    {
        var (carrierId, key) = await host.CarrierAsync();
        var access = await host.EnrolAsync(owner, homeId, carrierId, KeypadPolicy);
        var delivery = await host.DeliveryAsync(key, access, courierId: null);
        var grants = await FillAsync(CredentialSetDocument.MaxCredentials - 1);
        await (await GrantAsync("Full")).ProblemAsync(HttpStatusCode.Conflict, KeypadFull);

        // A cancelled delivery's code leaves the set (its credential row stays active): its slot is free again.
        await (await host.Client(key).DeleteAsync($"/api/v1/deliveries/{delivery}")).JsonAsync(HttpStatusCode.OK);
        await (await GrantAsync("After the delivery")).JsonAsync(HttpStatusCode.Created);
        await (await GrantAsync("Full again")).ProblemAsync(HttpStatusCode.Conflict, KeypadFull);

        await (await host.Client(owner).DeleteAsync($"/api/v1/homes/{homeId}/grants/{grants[0]}")).JsonAsync(HttpStatusCode.NoContent);
        await (await GrantAsync("After the revocation")).JsonAsync(HttpStatusCode.Created);
        await (await GrantAsync("Full once more")).ProblemAsync(HttpStatusCode.Conflict, KeypadFull);
        Assert.Equal(CredentialSetDocument.MaxCredentials, (await SetAsync()).Credentials.Count);
    }

    private static object KeypadPolicy => new
    {
        days = new[] { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" },
        from = "00:00",
        to = "23:59",
        entryMethod = "keypad",
        cameraRequired = false,
    };

    private Task<HttpResponseMessage> GrantAsync(string name, object? keypad = null) =>
        host.Client(owner).PostAsJsonAsync($"/api/v1/homes/{homeId}/grants",
            new { name, kind = "guest", schedule = new { type = "always" }, keypad = keypad ?? new { generate = true } });

    /// <summary>Creates <paramref name="count"/> keypad grants with generated codes; returns their ids.</summary>
    private async Task<List<Guid>> FillAsync(int count)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            ids.Add((await (await GrantAsync($"Guest {i}")).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid());
        }

        return ids;
    }

    /// <summary>The set the server would send the hub now.</summary>
    private async Task<CredentialSetDocument> SetAsync()
    {
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        var home = await db.Homes.AsNoTracking().SingleAsync(h => h.Id == homeId);
        return await scope.ServiceProvider.GetRequiredService<CredentialSetBuilder>().BuildAsync(home, CancellationToken.None);
    }
}
