using Microsoft.EntityFrameworkCore;
using Threshold.Domain.Grants;
using Threshold.Domain.Schedules;
using Threshold.Protocol.Credentials;
using Threshold.Server.Data;
using Threshold.Server.Homes;

namespace Threshold.Server.Keypad;

/// <summary>
/// Builds the complete credential set a home's hub must hold (docs/hub-protocol.md "Credentials on the hub"): every
/// active code of a grant not revoked, and of a delivery neither ended nor entered, with the home's lockout.
/// </summary>
internal sealed class CredentialSetBuilder(ThresholdDbContext db, CodeVault vault)
{
    public async Task<CredentialSetDocument> BuildAsync(Home home, CancellationToken ct)
    {
        var credentials = await db.Credentials.AsNoTracking()
            .Where(c => c.HomeId == home.Id && c.Active && c.ProtectedCode != null).ToListAsync(ct);
        var ids = credentials.Select(c => c.Id).ToList();
        var grants = await db.Grants.AsNoTracking().Where(g => ids.Contains(g.Id) && !g.Revoked).ToDictionaryAsync(g => g.Id, ct);
        var deliveries = await db.Deliveries.AsNoTracking().Where(d => ids.Contains(d.Id)).ToDictionaryAsync(d => d.Id, ct);

        var list = new List<CredentialDocument>();
        foreach (var c in credentials)
        {
            if (grants.TryGetValue(c.Id, out var grant))
            {
                list.Add(Entry(c, Kind(grant.Kind), grant.Schedule, grant.MaxEntries, grant.EntriesUsed));
            }
            else if (deliveries.TryGetValue(c.Id, out var delivery) && !delivery.IsTerminal && !delivery.IsEntryUsed)
            {
                list.Add(Entry(c, CredentialKinds.Delivery, new OnceSchedule(delivery.WindowStart, delivery.WindowEnd), 1, 0));
            }
        }

        return new CredentialSetDocument(
            home.CredentialVersion,
            home.TimeZone,
            new LockoutDocument(home.LockoutActive, home.LockoutUntil),
            KeypadPolicyDocument.Default,
            list);
    }

    private CredentialDocument Entry(Credential c, string kind, Schedule schedule, int? maxEntries, int entriesUsed) =>
        new(c.Id.ToString(), kind, vault.Reveal(c.ProtectedCode!), ScheduleDocument.Of(schedule), maxEntries, entriesUsed);

    private static string Kind(GrantKind kind) => kind switch
    {
        GrantKind.Guest => CredentialKinds.Guest,
        GrantKind.Service => CredentialKinds.Service,
        GrantKind.Delivery => CredentialKinds.Delivery,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a credential kind."),
    };
}
