using Threshold.Server.Audit;

namespace Threshold.Server.Data;

internal static class WriteScope
{
    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction together with the audit entries it appends.
    /// On SQLite the transaction begins IMMEDIATE, so writers queue instead of deadlocking on a
    /// read-to-write upgrade; denials are committed too, because every decision is audited.
    /// </summary>
    public static async Task<T> WriteAsync<T>(this ThresholdDbContext db, AuditTrail audit, Func<CancellationToken, Task<T>> work, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var result = await work(ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        audit.PublishCommitted();
        return result;
    }
}
