using Microsoft.EntityFrameworkCore;
using Threshold.Server.Data;

namespace Threshold.Server.Homes;

internal static class FrontDoor
{
    /// <summary>The lock commands for this home address (its first; homes have one door today).</summary>
    public static Task<Guid> FrontDoorIdAsync(this ThresholdDbContext db, Guid homeId, CancellationToken ct) => FrontDoorQuery(db, homeId, ct);

    // Compiled: every unlock asks, inside the write transaction.
    private static readonly Func<ThresholdDbContext, Guid, CancellationToken, Task<Guid>> FrontDoorQuery =
        EF.CompileAsyncQuery((ThresholdDbContext db, Guid homeId, CancellationToken ct) =>
            db.Locks.AsNoTracking().Where(l => l.HomeId == homeId).OrderBy(l => l.Id).Select(l => l.Id).First());
}
