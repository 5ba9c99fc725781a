using Microsoft.EntityFrameworkCore;
using Threshold.Server.Data;

namespace Threshold.Server.Homes;

/// <summary>Object-level authorization for homes: non-members are told the home does not exist.</summary>
internal static class HomeAccess
{
    public static Task<HomeRole?> RoleAsync(this ThresholdDbContext db, Guid homeId, Guid userId, CancellationToken ct) =>
        db.HomeMembers.AsNoTracking()
            .Where(m => m.HomeId == homeId && m.UserId == userId)
            .Select(m => (HomeRole?)m.Role)
            .FirstOrDefaultAsync(ct);

    public static async Task<bool> IsMemberAsync(this ThresholdDbContext db, Guid homeId, Guid userId, CancellationToken ct) =>
        await db.RoleAsync(homeId, userId, ct) is not null;

    public static async Task<bool> IsOwnerAsync(this ThresholdDbContext db, Guid homeId, Guid userId, CancellationToken ct) =>
        await db.RoleAsync(homeId, userId, ct) == HomeRole.Owner;

    /// <summary>The lock commands for this home address (its first; homes have one door today).</summary>
    public static Task<Guid> FrontDoorIdAsync(this ThresholdDbContext db, Guid homeId, CancellationToken ct) => FrontDoorQuery(db, homeId, ct);

    // Compiled: every unlock asks, inside the write transaction.
    private static readonly Func<ThresholdDbContext, Guid, CancellationToken, Task<Guid>> FrontDoorQuery =
        EF.CompileAsyncQuery((ThresholdDbContext db, Guid homeId, CancellationToken ct) =>
            db.Locks.AsNoTracking().Where(l => l.HomeId == homeId).OrderBy(l => l.Id).Select(l => l.Id).First());
}
