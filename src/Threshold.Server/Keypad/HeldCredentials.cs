using Microsoft.EntityFrameworkCore;
using Threshold.Domain.Deliveries;
using Threshold.Domain.Grants;
using Threshold.Server.Data;

namespace Threshold.Server.Keypad;

/// <summary>One keypad code the home's lock must hold, with the grant or the delivery it belongs to (exactly one is set).</summary>
internal sealed record HeldCredential(Credential Credential, Grant? Grant, Delivery? Delivery);

/// <summary>
/// Which codes a home's lock must hold: every active code of a grant not revoked, and of a delivery neither ended nor
/// entered. The one selection behind both the credential set (<see cref="CredentialSetBuilder"/>) and the check that a
/// new code still fits the lock (<see cref="CodeVault"/>), so the two cannot count differently.
/// </summary>
internal static class HeldCredentials
{
    public static async Task<List<HeldCredential>> ForHomeAsync(ThresholdDbContext db, Guid homeId, CancellationToken ct)
    {
        var credentials = await db.Credentials.AsNoTracking()
            .Where(c => c.HomeId == homeId && c.Active && c.ProtectedCode != null).ToListAsync(ct);
        var ids = credentials.Select(c => c.Id).ToList();
        var grants = await db.Grants.AsNoTracking().Where(g => ids.Contains(g.Id) && !g.Revoked).ToDictionaryAsync(g => g.Id, ct);
        var deliveries = await db.Deliveries.AsNoTracking().Where(d => ids.Contains(d.Id)).ToDictionaryAsync(d => d.Id, ct);

        var held = new List<HeldCredential>();
        foreach (var c in credentials)
        {
            if (grants.TryGetValue(c.Id, out var grant))
            {
                held.Add(new HeldCredential(c, grant, null));
            }
            else if (deliveries.TryGetValue(c.Id, out var delivery) && !delivery.IsTerminal && !delivery.IsEntryUsed)
            {
                held.Add(new HeldCredential(c, null, delivery));
            }
        }

        return held;
    }
}
