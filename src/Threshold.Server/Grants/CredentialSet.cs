using System.Text.Json.Nodes;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Threshold.Domain.Deliveries;
using Threshold.Domain.Schedules;
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

    public async Task<JsonObject> BuildAsync(Home home, CancellationToken ct)
    {
        var credentials = await db.Credentials.AsNoTracking()
            .Where(c => c.HomeId == home.Id && c.Active && c.ProtectedCode != null).ToListAsync(ct);
        var ids = credentials.Select(c => c.Id).ToList();
        var grants = await db.Grants.AsNoTracking().Where(g => ids.Contains(g.Id) && !g.Revoked).ToDictionaryAsync(g => g.Id, ct);
        var deliveries = await db.Deliveries.AsNoTracking().Where(d => ids.Contains(d.Id)).ToDictionaryAsync(d => d.Id, ct);

        var list = new JsonArray();
        foreach (var c in credentials)
        {
            JsonObject? entry = null;
            if (grants.TryGetValue(c.Id, out var grant))
            {
                entry = Entry(c, grant.Kind.ToString().ToLowerInvariant(), grant.Schedule, grant.MaxEntries, grant.EntriesUsed);
            }
            else if (deliveries.TryGetValue(c.Id, out var delivery) && !delivery.IsTerminal && !delivery.IsEntryUsed)
            {
                entry = Entry(c, "delivery", new OnceSchedule(delivery.WindowStart, delivery.WindowEnd), 1, 0);
            }

            if (entry is not null)
            {
                list.Add(entry);
            }
        }

        return new JsonObject
        {
            ["version"] = home.CredentialVersion,
            ["timeZone"] = home.TimeZone,
            ["lockout"] = new JsonObject { ["active"] = home.LockoutActive, ["until"] = home.LockoutUntil?.ToString("O") },
            ["keypad"] = new JsonObject { ["wrongCodeLimit"] = 5, ["disableSeconds"] = 300 },
            ["credentials"] = list,
        };
    }

    private JsonObject Entry(Credential c, string kind, Schedule schedule, int? maxEntries, int entriesUsed) => new()
    {
        ["id"] = c.Id.ToString(),
        ["kind"] = kind,
        ["code"] = Unprotect(c.ProtectedCode!),
        ["schedule"] = ScheduleJson.ToJson(schedule),
        ["maxEntries"] = maxEntries,
        ["entriesUsed"] = entriesUsed,
    };
}
