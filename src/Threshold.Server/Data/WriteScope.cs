using Threshold.Server.Audit;

namespace Threshold.Server.Data;

internal static class WriteScope
{
    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction together with the audit entries it appends, and returns
    /// once that transaction is durably committed (see <see cref="SqliteWriter"/>: requests queue in order and share
    /// commits). The transaction is IMMEDIATE, so the work reads what its writes will change; denials are committed
    /// too, because every decision is audited. If the work throws, its changes are undone and the exception returned.
    /// Not re-entrant: <paramref name="work"/> must not call WriteAsync again.
    /// </summary>
    public static Task<T> WriteAsync<T>(this ThresholdDbContext db, AuditTrail audit, Func<CancellationToken, Task<T>> work, CancellationToken ct) =>
        (db.Writer ?? throw new InvalidOperationException("This context has no SQLite writer (design-time context)."))
            .RunAsync(db, audit, work, ct);
}
