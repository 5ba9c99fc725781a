using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Threshold.Server.Data;

internal static class DatabaseSetup
{
    public static IHostApplicationBuilder AddDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SqlitePragmas>();
        builder.Services.AddSingleton(sp =>
            new SqliteWriter(ConnectionString(sp), sp.GetServices<IWriteConsequence>(), sp.GetRequiredService<ILogger<SqliteWriter>>()));
        // Pooled: building a context per request was ~8 % of an unlock's CPU (bench/Threshold.Bench under perf).
        builder.Services.AddDbContextPool<ThresholdDbContext>((sp, options) =>
            options.UseSqlite(ConnectionString(sp)).AddInterceptors(sp.GetRequiredService<SqlitePragmas>()));
        return builder;
    }

    private static string ConnectionString(IServiceProvider services) => new SqliteConnectionStringBuilder
    {
        DataSource = Path.Combine(services.GetRequiredService<DataDirectory>().Path, "threshold.db"),
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    /// <summary>Applies pending migrations and switches the file to WAL (a persistent setting).</summary>
    public static async Task MigrateDatabaseAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        await db.Database.MigrateAsync(ct);
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
    }
}

/// <summary>Per-connection settings: durability over speed, and referential integrity.</summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    // busy_timeout: writers other than SqliteWriter (Identity, migrations) wait inside SQLite instead of the
    // provider's 150 ms thread sleep.
    public const string Pragmas = "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;";
    private static readonly object Configured = new();

    // The settings belong to the native handle, which the pool keeps: set them once per physical connection,
    // not at every pooled open (two statements per request, measured by bench/Threshold.Bench --diagnose).
    private readonly ConditionalWeakTable<object, object> configured = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (NeedsSettings(connection))
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = Pragmas;
            cmd.ExecuteNonQuery();
            MarkConfigured(connection);
        }
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (NeedsSettings(connection))
        {
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = Pragmas;
            await cmd.ExecuteNonQueryAsync(cancellationToken);
            MarkConfigured(connection);
        }
    }

    private bool NeedsSettings(DbConnection connection) =>
        connection is not SqliteConnection { Handle: { } handle } || !configured.TryGetValue(handle, out _);

    private void MarkConfigured(DbConnection connection)
    {
        if (connection is SqliteConnection { Handle: { } handle })
        {
            configured.AddOrUpdate(handle, Configured);
        }
    }
}

/// <summary>The server's data directory (database, data-protection keys, demo file).</summary>
internal sealed record DataDirectory(string Path);
