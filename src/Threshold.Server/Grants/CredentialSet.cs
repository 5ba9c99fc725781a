using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Threshold.Domain.Grants;
using Threshold.Domain.Schedules;
using Threshold.Protocol.Credentials;
using Threshold.Server.Data;
using Threshold.Server.Homes;

namespace Threshold.Server.Grants;

/// <summary>Builds the complete credential set a home's hub must hold (docs/hub-protocol.md).</summary>
internal sealed class CredentialSet(ThresholdDbContext db, IDataProtectionProvider protection)
{
    public const string Purpose = "Threshold.KeypadCodes";
    private readonly IDataProtector protector = protection.CreateProtector(Purpose);

    public string Protect(string code) => protector.Protect(code);

    public string Unprotect(string protectedCode) => protector.Unprotect(protectedCode);

    /// <summary>Codes currently held for this home's lock (for collision checks).</summary>
    public async Task<List<string>> CodesInUseAsync(Guid homeId, CancellationToken ct) =>
        (await db.Credentials.AsNoTracking().Where(c => c.HomeId == homeId && c.Active && c.ProtectedCode != null)
            .Select(c => c.ProtectedCode!).ToListAsync(ct)).Select(Unprotect).ToList();

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
        new(c.Id.ToString(), kind, Unprotect(c.ProtectedCode!), ScheduleDocument.Of(schedule), maxEntries, entriesUsed);

    private static string Kind(GrantKind kind) => kind switch
    {
        GrantKind.Guest => CredentialKinds.Guest,
        GrantKind.Service => CredentialKinds.Service,
        GrantKind.Delivery => CredentialKinds.Delivery,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a credential kind."),
    };
}
