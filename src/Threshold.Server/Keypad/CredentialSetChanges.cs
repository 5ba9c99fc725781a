using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Threshold.Domain.Deliveries;
using Threshold.Domain.Grants;
using Threshold.Server.Data;
using Threshold.Server.Homes;
using Threshold.Server.Hubs;

namespace Threshold.Server.Keypad;

/// <summary>
/// When a home's hub must get its credential set again: after every committed write that changed what the set is made
/// of (<see cref="CredentialSetBuilder"/>) — a keypad credential, a grant (its entries counted by the app as much as by
/// the keypad), a delivery with a keypad code leaving the set, the home's lockout or keypad settings — or that recorded
/// the hub coming (back) online or accepting a new server key. Read from the write's tracked changes, whoever made them, so no caller has to remember;
/// requested only once the write has committed (<see cref="IWriteConsequence"/>).
/// Not changes to the set: what the hub reports back (slot states) and the sync's own version bump.
/// </summary>
/// <param name="request">Asks for a home's sync: <see cref="CredentialSync.Request"/>.</param>
internal sealed class CredentialSetChanges(Action<Guid> request) : IWriteConsequence
{
    public async ValueTask<Action?> StageAsync(ThresholdDbContext db, CancellationToken ct)
    {
        var homes = await HomesAffectedAsync(db, ct);
        return homes.Count == 0 ? null : () =>
        {
            foreach (var home in homes)
            {
                request(home);
            }
        };
    }

    /// <summary>The homes whose credential set the write's tracked changes alter.</summary>
    public static async Task<HashSet<Guid>> HomesAffectedAsync(ThresholdDbContext db, CancellationToken ct)
    {
        var homes = new HashSet<Guid>();
        List<Guid>? leavingDeliveries = null;
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted))
            {
                continue;
            }

            switch (entry.Entity)
            {
                case Credential credential when entry.State != EntityState.Modified
                    || Changed(entry, nameof(Credential.ProtectedCode), nameof(Credential.Active), nameof(Credential.Kind)):
                    homes.Add(credential.HomeId);
                    break;
                case Grant grant:
                    homes.Add(grant.HomeId);
                    break;
                case Home home when entry.State == EntityState.Modified
                    && Changed(entry, nameof(Home.LockoutActive), nameof(Home.LockoutUntil), nameof(Home.KeypadCodeLength), nameof(Home.TimeZone)):
                    homes.Add(home.Id);
                    break;
                // A hub whose server key changed too: a sync signed with its old key may have crossed the rotation (Hubs/KeyRotation.cs).
                case Hub hub when entry.State == EntityState.Modified
                    && (entry.Property(nameof(Hub.Online)) is { IsModified: true, CurrentValue: true } || Changed(entry, nameof(Hub.TrustedKid))):
                    homes.Add(hub.HomeId);
                    break;
                case Delivery delivery when LeavesTheSet(entry):
                    (leavingDeliveries ??= []).Add(delivery.Id);
                    break;
            }
        }

        if (leavingDeliveries is not null)
        {
            // Only deliveries with a keypad code are in the set; most deliveries are remote entries and have none.
            homes.UnionWith(await db.Credentials.AsNoTracking().Where(c => leavingDeliveries.Contains(c.Id)).Select(c => c.HomeId).ToListAsync(ct));
        }

        return homes;
    }

    private static bool Changed(EntityEntry entry, params string[] properties) =>
        properties.Any(p => entry.Property(p).IsModified);

    /// <summary>
    /// A delivery's code is in the set while the delivery is scheduled or arrived (neither ended nor entered: the
    /// builder's rule); it leaves when the delivery moves on from there — entered, cancelled, declined, expired, failed.
    /// </summary>
    private static bool LeavesTheSet(EntityEntry entry)
    {
        if (entry.State == EntityState.Deleted)
        {
            return true;
        }

        var status = entry.Property(nameof(Delivery.Status));
        return entry.State == EntityState.Modified && status.IsModified
            && status.OriginalValue is DeliveryStatus.Scheduled or DeliveryStatus.Arrived
            && status.CurrentValue is not (DeliveryStatus.Scheduled or DeliveryStatus.Arrived);
    }
}
