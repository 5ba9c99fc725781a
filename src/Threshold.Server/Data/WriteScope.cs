using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Threshold.Server.Audit;

namespace Threshold.Server.Data;

internal static class WriteScope
{
    // SQLite admits one writer at a time, and Microsoft.Data.Sqlite waits out a busy lock by putting a thread to
    // sleep 150 ms at a time (measured: bench/Threshold.Bench). Writers of this process therefore queue here,
    // asynchronously and in order, so BEGIN IMMEDIATE below rarely finds the lock taken.
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> SqliteGates = new();

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction together with the audit entries it appends.
    /// On SQLite the transaction begins IMMEDIATE, so writers queue instead of deadlocking on a
    /// read-to-write upgrade; denials are committed too, because every decision is audited.
    /// Not re-entrant: <paramref name="work"/> must not call WriteAsync again.
    /// </summary>
    public static async Task<T> WriteAsync<T>(this ThresholdDbContext db, AuditTrail audit, Func<CancellationToken, Task<T>> work, CancellationToken ct)
    {
        var gate = db.Database.IsSqlite()
            ? SqliteGates.GetOrAdd(db.Database.GetConnectionString() ?? "", _ => new SemaphoreSlim(1, 1))
            : null;
        if (gate is not null)
        {
            await gate.WaitAsync(ct);
        }

        try
        {
            // The transaction is all-or-nothing already; EF's own savepoint around SaveChanges is two extra statements.
            db.Database.AutoSavepointsEnabled = false;
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var result = await work(ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            audit.PublishCommitted();
            return result;
        }
        finally
        {
            gate?.Release();
        }
    }
}
