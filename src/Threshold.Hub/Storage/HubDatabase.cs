using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Threshold.Hub.Storage;

/// <summary>
/// hub.db: the durable jti seen-set, the event outbox and formed batches, and the keypad credentials (set, entry
/// counts, slot table, cool-down). WAL, synchronous FULL; mode 0600 (SQLite gives -wal/-shm the same mode).
/// </summary>
internal sealed class HubDatabase : IDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS seen_jti (
            jti TEXT NOT NULL PRIMARY KEY,
            keep_until INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS seen_jti_keep_until ON seen_jti (keep_until);
        CREATE TABLE IF NOT EXISTS outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            type TEXT NOT NULL,
            at TEXT NOT NULL,
            fields TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS batches (
            seq INTEGER NOT NULL PRIMARY KEY,
            jws TEXT NOT NULL,
            event_count INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS meta (
            key TEXT NOT NULL PRIMARY KEY,
            value INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS credential_set (
            id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
            version INTEGER NOT NULL,
            body TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS credential_usage (
            credential_id TEXT NOT NULL PRIMARY KEY,
            entries INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS slots (
            slot INTEGER NOT NULL PRIMARY KEY,
            credential_id TEXT NOT NULL UNIQUE,
            code_hash TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS hub_state (
            key TEXT NOT NULL PRIMARY KEY,
            value TEXT NOT NULL);
        """;

    private static readonly object Configured = new();
    private readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> configured = new();
    private readonly string connectionString;

    public HubDatabase(string dataDirectory)
    {
        HubDataDirectory.EnsureDirectory(dataDirectory);
        Path = System.IO.Path.Combine(dataDirectory, HubDataDirectory.DatabaseFile);
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            // Pooled: closing the last connection to a WAL database checkpoints it and deletes -wal/-shm, which
            // cost milliseconds per event (measured: bench/Threshold.Bench.EndToEnd). Dispose clears the pool.
            Pooling = true,
        }.ToString();
        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode=WAL;");
        Execute(connection, Schema);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    public string Path { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        // Per-handle settings: a pooled handle keeps them, so they are set once per physical connection.
        if (!configured.TryGetValue(connection.Handle!, out _))
        {
            Execute(connection, "PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;");
            configured.AddOrUpdate(connection.Handle!, Configured);
        }

        return connection;
    }

    /// <summary>Closes the pooled connections, so the files can be moved or deleted once the hub has stopped.</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

/// <summary>Durable set of command ids already accepted: a jti is executed at most once, across restarts.</summary>
internal sealed class JtiStore(HubDatabase db)
{
    private const int SqliteConstraint = 19;

    /// <summary>Records the jti; false when it was already there (a replay). Durable when this returns.</summary>
    public bool TryRecord(string jti, DateTimeOffset keepUntil, DateTimeOffset now)
    {
        using var connection = db.Open();
        using (var prune = connection.CreateCommand())
        {
            prune.CommandText = "DELETE FROM seen_jti WHERE keep_until < $now";
            prune.Parameters.AddWithValue("$now", now.ToUnixTimeSeconds());
            prune.ExecuteNonQuery();
        }

        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO seen_jti (jti, keep_until) VALUES ($jti, $keep)";
        insert.Parameters.AddWithValue("$jti", jti);
        insert.Parameters.AddWithValue("$keep", keepUntil.ToUnixTimeSeconds());
        try
        {
            insert.ExecuteNonQuery();
            return true;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == SqliteConstraint)
        {
            return false;
        }
    }

    public int Count()
    {
        using var connection = db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM seen_jti";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

internal static class StorageFeature
{
    /// <summary>The paired identity and keys, hub.db, and the durable jti set.</summary>
    public static IServiceCollection AddHubStorage(this IServiceCollection services) => services
        .AddSingleton(sp => new HubRuntime(sp.GetRequiredService<IOptions<HubSettings>>().Value.DataDirectory))
        .AddSingleton(sp => new HubDatabase(sp.GetRequiredService<IOptions<HubSettings>>().Value.DataDirectory))
        .AddSingleton<JtiStore>();
}
