using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Threshold.Server.Audit;

namespace Threshold.Server.Data;

/// <summary>
/// The process's one SQLite writer, with group commit. SQLite admits one writer per file, and a durable commit
/// (synchronous=FULL) costs an fsync of about 0.3–1 ms here, so committing each request on its own caps every
/// write path at about one fsync per request (measured: bench/Threshold.Bench). Requests queue here in order; the
/// writer runs whatever is queued in one IMMEDIATE transaction, each request inside its own savepoint (a failing
/// request rolls back alone), commits once, and only then tells each request its result. Nobody hears "done" before
/// their change is on disk. What follows from a write — its audit entries on the live feed, and each
/// <see cref="IWriteConsequence"/> (a resend of the hub's credential set) — is staged inside it and runs only once it has committed.
/// </summary>
internal sealed partial class SqliteWriter : IAsyncDisposable, IDisposable
{
    /// <summary>Enough to amortise the fsync; small enough that one batch does not hold the lock for long.</summary>
    private const int MaxBatch = 64;

    private readonly Channel<IWork> queue = Channel.CreateUnbounded<IWork>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SqliteConnection connection;
    private readonly IWriteConsequence[] consequences;
    private readonly ILogger<SqliteWriter> logger;
    private readonly Task loop;

    // What request contexts return to after their turn on the writer's connection.
    private readonly string connectionString;

    public SqliteWriter(string connectionString, IEnumerable<IWriteConsequence> consequences, ILogger<SqliteWriter> logger)
    {
        this.consequences = [.. consequences];
        this.logger = logger;
        // Its own connection, outside the pool, open for the writer's lifetime.
        connection = new SqliteConnection(new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
        this.connectionString = connectionString;
        loop = Task.Run(RunAsync);
    }

    public Task<T> RunAsync<T>(ThresholdDbContext db, AuditTrail audit, Func<CancellationToken, Task<T>> work, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var item = new Work<T>(this, db, audit, work, ExecutionContext.Capture(), ct);
        if (!queue.Writer.TryWrite(item))
        {
            throw new ObjectDisposedException(nameof(SqliteWriter));
        }

        return item.Task;
    }

    /// <summary>For hosts disposed synchronously (the container refuses an async-only singleton there).</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await loop;
        await connection.DisposeAsync();
    }

    private async Task RunAsync()
    {
        var batch = new List<IWork>(MaxBatch);
        while (await queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var item))
            {
                if (!item.TryCancel())
                {
                    batch.Add(item);
                }
            }

            try
            {
                await CommitAsync(batch);
            }
            catch (Exception e)
            {
                // The commit itself failed: nothing of this batch is on disk; every request in it hears so.
                LogBatchFailed(logger, batch.Count, e);
                foreach (var item in batch)
                {
                    item.Fail(e);
                }

                await ResetAsync();
            }

            batch.Clear();
        }
    }

    private async Task CommitAsync(List<IWork> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        if (connection.State != System.Data.ConnectionState.Open)
        {
            await connection.OpenAsync();
            await using var pragmas = connection.CreateCommand();
            pragmas.CommandText = SqlitePragmas.Pragmas;
            await pragmas.ExecuteNonQueryAsync();
        }

        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable);
        var done = new List<IWork>(batch.Count);
        foreach (var item in batch)
        {
            await tx.SaveAsync("request");
            if (await item.RunAsync(connection, tx, connectionString))
            {
                await tx.ReleaseAsync("request");
                done.Add(item);
            }
            else
            {
                await tx.RollbackAsync("request");
                await tx.ReleaseAsync("request");
            }
        }

        await tx.CommitAsync();
        foreach (var item in done)
        {
            item.Committed();
        }
    }

    private async Task ResetAsync()
    {
        try
        {
            await connection.CloseAsync();
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException)
        {
            LogBatchFailed(logger, 0, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A write batch of {Count} requests failed to commit")]
    private static partial void LogBatchFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "A consequence of a committed write failed")]
    private static partial void LogConsequenceFailed(ILogger logger, Exception exception);

    private interface IWork
    {
        /// <summary>True (and the request is told) if the request gave up while it waited.</summary>
        bool TryCancel();

        /// <summary>Runs the request's work on the writer's connection; false if it failed (its savepoint is undone).</summary>
        Task<bool> RunAsync(SqliteConnection connection, SqliteTransaction tx, string connectionString);

        void Committed();

        void Fail(Exception e);
    }

    private sealed class Work<T>(
        SqliteWriter writer, ThresholdDbContext db, AuditTrail audit, Func<CancellationToken, Task<T>> work, ExecutionContext? context, CancellationToken ct)
        : IWork
    {
        private readonly TaskCompletionSource<T> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<Action> afterCommit = [];
        private T? result;

        public Task<T> Task => completion.Task;

        public bool TryCancel() => ct.IsCancellationRequested && completion.TrySetCanceled(ct);

        public async Task<bool> RunAsync(SqliteConnection connection, SqliteTransaction tx, string connectionString)
        {
            Exception? failure = null;
            db.Database.SetDbConnection(connection, contextOwnsConnection: false);
            db.Database.AutoSavepointsEnabled = false; // the writer's own savepoint already brackets this request
            try
            {
                await db.Database.UseTransactionAsync(tx, ct);
                result = await StartWork();
                foreach (var consequence in writer.consequences)
                {
                    if (await consequence.StageAsync(db, ct) is { } then)
                    {
                        afterCommit.Add(then);
                    }
                }

                await db.SaveChangesAsync(ct);
            }
            catch (Exception e)
            {
                // Undone with the savepoint: forget its tracked changes, unwritten audit entries and staged consequences too.
                db.ChangeTracker.Clear();
                audit.Discard();
                afterCommit.Clear();
                failure = e;
            }
            finally
            {
                // The request gets its own (pooled) connection back for whatever it does next.
                await db.Database.UseTransactionAsync(null, CancellationToken.None);
                db.Database.SetDbConnection(null);
                db.Database.SetConnectionString(connectionString);
            }

            // Only now may the request go on (and dispose its context): nothing here touches the context after this.
            if (failure is not null)
            {
                Fail(failure);
                return false;
            }

            return true;
        }

        /// <summary>Starts the work in the caller's execution context (logging scopes, activity), not the writer's.</summary>
        private Task<T> StartWork()
        {
            if (context is null)
            {
                return work(ct);
            }

            Task<T>? started = null;
            ExecutionContext.Run(context, _ => started = work(ct), null);
            return started!;
        }

        public void Committed()
        {
            audit.PublishCommitted();
            foreach (var then in afterCommit)
            {
                try
                {
                    then();
                }
                catch (Exception e)
                {
                    // The write is on disk either way: its caller still hears "done".
                    LogConsequenceFailed(writer.logger, e);
                }
            }

            completion.TrySetResult(result!);
        }

        public void Fail(Exception e)
        {
            if (e is OperationCanceledException oce && ct.IsCancellationRequested)
            {
                completion.TrySetCanceled(oce.CancellationToken);
            }
            else
            {
                completion.TrySetException(e);
            }
        }
    }
}
