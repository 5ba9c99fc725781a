using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Threshold.Bench.EndToEnd;

/// <summary>
/// What-ifs for the server's SQLite access, to size candidate fixes; never the shipped configuration and never on
/// by default. Both are EF interceptors added next to the server's own.
/// </summary>
internal static class WhatIf
{
    /// <summary>
    /// <c>--sqlite-busy-timeout</c>: <c>PRAGMA busy_timeout</c> on every server connection, so a writer that finds the
    /// database locked waits inside SQLite instead of in Microsoft.Data.Sqlite's 150 ms sleep-and-retry.
    /// </summary>
    internal sealed class BusyTimeout(int ms) : DbConnectionInterceptor
    {
        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout={ms};");
            cmd.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout={ms};");
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// <c>--writer-gate</c>: one server write transaction at a time, queued first come first served on an async lock,
    /// so writers never meet SQLITE_BUSY. A gate not taken within 5 s is skipped (and counted) rather than deadlocking
    /// a path this sketch does not know.
    /// </summary>
    internal sealed class WriterGate : DbTransactionInterceptor
    {
        public static readonly WriterGate Instance = new();
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);
        private readonly SemaphoreSlim gate = new(1, 1);
        private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, byte> holders = new();
        private int skipped;

        public int Skipped => Volatile.Read(ref skipped);

        public override async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
            DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
        {
            Enter(eventData.TransactionId, await gate.WaitAsync(Patience, cancellationToken));
            return result;
        }

        public override InterceptionResult<DbTransaction> TransactionStarting(
            DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result)
        {
            Enter(eventData.TransactionId, gate.Wait(Patience));
            return result;
        }

        public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Leave(eventData.TransactionId);

        public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Leave(eventData.TransactionId);
            return Task.CompletedTask;
        }

        public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Leave(eventData.TransactionId);

        public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Leave(eventData.TransactionId);
            return Task.CompletedTask;
        }

        public override void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => Leave(eventData.TransactionId);

        public override Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
        {
            Leave(eventData.TransactionId);
            return Task.CompletedTask;
        }

        private void Enter(Guid transactionId, bool entered)
        {
            if (entered)
            {
                holders[transactionId] = 0;
            }
            else
            {
                Interlocked.Increment(ref skipped);
            }
        }

        private void Leave(Guid transactionId)
        {
            if (holders.TryRemove(transactionId, out _))
            {
                gate.Release();
            }
        }
    }
}
