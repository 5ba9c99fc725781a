using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Threshold.Domain.Access;
using Threshold.Domain.Audit;
using Threshold.Domain.Deliveries;
using Threshold.Domain.Grants;
using Threshold.Domain.Schedules;
using Threshold.Server.Audit;
using Threshold.Server.Carriers;
using Threshold.Server.Data;
using Threshold.Server.Events;
using Threshold.Server.Homes;
using Threshold.Server.Keypad;

namespace Threshold.Server.Tests.Keypad;

/// <summary>
/// "The hub's credential set changed" follows from the write itself: the one SQLite writer with the keypad's
/// consequence (Keypad/CredentialSetChanges.cs) on a database of its own, the request recorded instead of sent.
/// A request is made once per committed write that changes the set, only after that write is on disk, never for a
/// write that rolls back, and never for what the hub itself reports (which would loop). The writes here run no compiled
/// query: those belong to the first model they meet, and this test's context has a model of its own.
/// </summary>
public sealed class CredentialSetChangesTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private readonly string dir = Path.Combine(Path.GetTempPath(), "threshold-tests", Guid.NewGuid().ToString("N"));
    private readonly ConcurrentQueue<(Guid Home, int EntriesOnDisk)> requests = new();
    private string connectionString = "";
    private SqliteWriter writer = null!;
    private Guid homeId;
    private Guid grantId;
    private Guid hubId;
    private Guid carrierId;
    private Guid enrolmentId;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(dir);
        connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(dir, "threshold.db"), Pooling = false }.ToString();
        // What a request sees on disk at the moment it is made (read past the writer, on a connection of its own).
        writer = new SqliteWriter(connectionString, [new CredentialSetChanges(home => requests.Enqueue((home, EntriesOnDisk())))], NullLogger<SqliteWriter>.Instance);
        await using (var db = Context())
        {
            await db.Database.MigrateAsync();
        }

        var home = Home.Create("Home", "Europe/Berlin", new GeoPoint(52.5, 13.4), Now);
        var grant = new Grant(Guid.CreateVersion7(Now), home.Id, "Guest", GrantKind.Guest, new AlwaysSchedule(), maxEntries: 5);
        var hub = Threshold.Server.Hubs.Hub.Pair(home.Id, "hub", "signing", "sealing", "hash", "kid", Now);
        var (carrier, _) = Carrier.Create("Parcel Co", Now);
        var enrolment = CarrierEnrolment.Create(home.Id, carrier.Id,
            DeliveryHours.AnyTime, EntryMethod.Remote, false, Now);
        (homeId, grantId, hubId, carrierId, enrolmentId) = (home.Id, grant.Id, hub.Id, carrier.Id, enrolment.Id);
        await WriteAsync((db, _) =>
        {
            db.Homes.Add(home);
            db.Grants.Add(grant);
            db.Credentials.Add(new Credential { Id = grant.Id, HomeId = home.Id, Kind = CredentialKind.Guest, ProtectedCode = "sealed-by-the-vault" });
            db.Hubs.Add(hub);
            db.Carriers.Add(carrier);
            db.Enrolments.Add(enrolment);
            return Task.CompletedTask;
        });
        Assert.Equal([homeId], requests.Select(r => r.Home));
        requests.Clear();
    }

    public async Task DisposeAsync()
    {
        await writer.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task WriteAsync_AppEntryCountedOnAGrant_OneRequestAfterTheCommit()
    {
        await WriteAsync(async (db, ct) =>
        {
            (await db.Grants.SingleAsync(g => g.Id == grantId, ct)).RecordEntry();
            Assert.Empty(requests); // not while the write runs
        });

        // Exactly one, and the counted entry was already on disk when it was made.
        Assert.Equal([(homeId, 1)], requests);
    }

    [Fact]
    public async Task WriteAsync_RolledBackWithItsSavepoint_RequestsNothing()
    {
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => WriteAsync(async (db, ct) =>
        {
            (await db.Grants.SingleAsync(g => g.Id == grantId, ct)).RecordEntry();
            throw new InvalidOperationException("refused by the test");
        }));

        Assert.Equal("refused by the test", refused.Message);
        Assert.Equal(0, EntriesOnDisk());
        Assert.Empty(requests);
    }

    [Fact]
    public async Task WriteAsync_SaveFailsAfterTheChangeWasStaged_RequestsNothing()
    {
        // The work itself succeeds and its entry counts; saving it fails (a lock of no home), so the savepoint undoes it all.
        await Assert.ThrowsAsync<DbUpdateException>(() => WriteAsync(async (db, ct) =>
        {
            (await db.Grants.SingleAsync(g => g.Id == grantId, ct)).RecordEntry();
            db.Locks.Add(new DoorLock { Id = Guid.CreateVersion7(Now), HomeId = Guid.NewGuid(), Name = "Nowhere" });
        }));

        Assert.Equal(0, EntriesOnDisk());
        Assert.Empty(requests);
    }

    [Fact]
    public async Task WriteAsync_UnrelatedChanges_RequestNothing()
    {
        await WriteAsync((db, _) =>
        {
            // Added as AuditTrail would add it (its compiled query belongs to the server's model, not this test's).
            db.AuditEntries.Add(AuditEntry.From(AuditChain.Next(null, homeId, Now, "test.unrelated", "test", "{}")));
            db.Locks.Add(new DoorLock { Id = Guid.CreateVersion7(Now), HomeId = homeId, Name = "Back door", State = "locked" });
            db.PairingCodes.Add(new Threshold.Server.Hubs.PairingCode { Id = Guid.CreateVersion7(Now), HomeId = homeId, CodeHash = "hash", ExpiresAt = Now.AddMinutes(10) });
            return Task.CompletedTask;
        });

        Assert.Empty(requests);
    }

    [Fact]
    public async Task WriteAsync_WhatTheHubReportsAndTheSyncsOwnVersion_RequestNothing()
    {
        // Resending on these would answer every slot table and every sync with another sync.
        await WriteAsync(async (db, ct) =>
        {
            (await db.Credentials.SingleAsync(c => c.Id == grantId, ct)).LockState = "on_lock";
            (await db.Homes.SingleAsync(h => h.Id == homeId, ct)).NextCredentialVersion();
            (await db.Hubs.SingleAsync(h => h.Id == hubId, ct)).BatchApplied(1, Now);
        });

        Assert.Empty(requests);
    }

    public static TheoryData<string> ChangesToTheSet() =>
        ["grant revoked", "code deactivated", "lockout started", "keypad code length", "hub came online", "keypad delivery cancelled", "keypad delivery expired"];

    [Theory]
    [MemberData(nameof(ChangesToTheSet))]
    public async Task WriteAsync_ChangeToTheSet_OneRequestForItsHome(string change)
    {
        var keypadDelivery = change.StartsWith("keypad delivery", StringComparison.Ordinal) ? await DeliveryAsync(keypad: true) : Guid.Empty;

        await WriteAsync(async (db, ct) =>
        {
            var home = await db.Homes.SingleAsync(h => h.Id == homeId, ct);
            switch (change)
            {
                case "grant revoked": (await db.Grants.SingleAsync(g => g.Id == grantId, ct)).Revoke(); break;
                case "code deactivated": (await db.Credentials.SingleAsync(c => c.Id == grantId, ct)).Active = false; break;
                case "lockout started": home.StartLockout(until: null); break;
                case "keypad code length": home.SetKeypadCodeLength(8); break;
                case "hub came online": (await db.Hubs.SingleAsync(h => h.Id == hubId, ct)).Reported(online: true, cameraLive: false, Now); break;
                case "keypad delivery cancelled": (await db.Deliveries.SingleAsync(d => d.Id == keypadDelivery, ct)).Cancel(Now); break;
                case "keypad delivery expired": (await db.Deliveries.SingleAsync(d => d.Id == keypadDelivery, ct)).Expire(Now.AddHours(3)); break;
            }
        });

        Assert.Equal([homeId], requests.Select(r => r.Home));
    }

    [Fact]
    public async Task WriteAsync_DeliveryWithoutKeypadCodeEnds_RequestsNothing()
    {
        var remote = await DeliveryAsync(keypad: false);

        await WriteAsync(async (db, ct) => (await db.Deliveries.SingleAsync(d => d.Id == remote, ct)).Cancel(Now));

        Assert.Empty(requests);
    }

    [Fact]
    public async Task WriteAsync_HubAlreadyOnlineReportsAgain_RequestsNothing()
    {
        await WriteAsync(async (db, ct) => (await db.Hubs.SingleAsync(h => h.Id == hubId, ct)).Reported(online: true, cameraLive: false, Now));
        requests.Clear();

        await WriteAsync(async (db, ct) => (await db.Hubs.SingleAsync(h => h.Id == hubId, ct)).Reported(online: true, cameraLive: true, Now.AddMinutes(2)));

        Assert.Empty(requests);
    }

    /// <summary>A scheduled delivery (with a keypad code when <paramref name="keypad"/>); its creation's requests are cleared.</summary>
    private async Task<Guid> DeliveryAsync(bool keypad)
    {
        var delivery = Delivery.Schedule(Guid.CreateVersion7(Now), homeId, carrierId, enrolmentId, "ref-" + Guid.NewGuid().ToString("N"), ["PKG-1"],
            Now, Now.AddHours(2), Now, TimeSpan.FromHours(12));
        await WriteAsync((db, _) =>
        {
            db.Deliveries.Add(delivery);
            if (keypad)
            {
                db.Credentials.Add(new Credential { Id = delivery.Id, HomeId = homeId, Kind = CredentialKind.Delivery, ProtectedCode = "sealed-by-the-vault" });
            }

            return Task.CompletedTask;
        });
        requests.Clear();
        return delivery.Id;
    }

    private ThresholdDbContext Context() =>
        new(new DbContextOptionsBuilder<ThresholdDbContext>().UseSqlite(connectionString).Options);

    private async Task WriteAsync(Func<ThresholdDbContext, CancellationToken, Task> work)
    {
        await using var db = Context();
        await writer.RunAsync(db, new AuditTrail(db, new ActivityBroadcaster(), TimeProvider.System), async ct =>
        {
            await work(db, ct);
            return true;
        }, CancellationToken.None);
    }

    private int EntriesOnDisk()
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT EntriesUsed FROM Grants"; // the one grant
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
