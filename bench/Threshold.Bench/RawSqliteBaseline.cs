using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Threshold.Bench;

/// <summary>
/// The ceiling the server is held against: the same transaction shape written straight to SQLite
/// through Microsoft.Data.Sqlite (the library under EF Core) on its own file, WAL and synchronous=FULL,
/// one connection per worker thread. Each transaction is
/// <c>BEGIN IMMEDIATE; UPDATE deliveries … WHERE id=@id AND version=@v; INSERT INTO audit …; COMMIT</c>.
/// </summary>
internal sealed class RawSqliteBaseline : IDisposable
{
    private const int RowsPerWorker = 1024;
    private static readonly string HomeId = Guid.CreateVersion7().ToString().ToUpperInvariant();

    private readonly string directory;
    private readonly string connectionString;
    private readonly string[][] ids;
    private readonly int[][] versions;
    private readonly int[] cursors;
    private long seq;

    public RawSqliteBaseline(int workers)
    {
        directory = Path.Combine(Path.GetTempPath(), "threshold-bench", "raw-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(directory, "raw.db"),
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        ids = Enumerable.Range(0, workers).Select(_ => Enumerable.Range(0, RowsPerWorker).Select(_ => Guid.NewGuid().ToString().ToUpperInvariant()).ToArray()).ToArray();
        versions = Enumerable.Range(0, workers).Select(_ => new int[RowsPerWorker]).ToArray();
        cursors = new int[workers];
        Create();
    }

    public PhaseResult Run(string name, TimeSpan duration)
    {
        var workers = ids.Length;
        var tallies = Enumerable.Range(0, workers).Select(_ => new WorkerTally()).ToArray();
        using var ready = new CountdownEvent(workers);
        using var go = new ManualResetEventSlim();
        var deadline = 0L;
        var threads = Enumerable.Range(0, workers).Select(w => new Thread(() =>
        {
            using var connection = Open();
            using var update = Command(connection, "UPDATE deliveries SET status = 'Unlocked', version = version + 1 WHERE id = @id AND version = @v;", "@id", "@v");
            using var insert = Command(connection, "INSERT INTO audit (home_id, seq, data, prev_hash, hash) VALUES (@home, @seq, @data, @prev, @hash);",
                "@home", "@seq", "@data", "@prev", "@hash");
            ready.Signal();
            go.Wait();
            var prevHash = new string('0', 64);
            while (Stopwatch.GetTimestamp() < Volatile.Read(ref deadline))
            {
                prevHash = TransactOnce(w, connection, update, insert, prevHash, tallies[w]);
            }
        }) { IsBackground = true, Name = $"raw-sqlite-{w}" }).ToList();

        threads.ForEach(t => t.Start());
        ready.Wait();
        var meter = CpuMeter.Start();
        var clock = Stopwatch.StartNew();
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        foreach (var tally in tallies)
        {
            tally.Deadline = end;
        }

        Volatile.Write(ref deadline, end);
        go.Set();
        threads.ForEach(t => t.Join());
        return WorkerTally.Combine(name, tallies, duration, clock.Elapsed, exhaustedEarly: false) with { OthersCores = meter.OthersCores() };
    }

    private string TransactOnce(int w, SqliteConnection connection, SqliteCommand update, SqliteCommand insert, string prevHash, WorkerTally tally)
    {
        var row = cursors[w];
        cursors[w] = (row + 1) % RowsPerWorker;
        var id = ids[w][row];
        var data = $"{{\"deliveryId\":\"{id.ToLowerInvariant()}\",\"step\":\"unlock\",\"status\":\"unlocked\"}}";
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(prevHash + data)));
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var tx = connection.BeginTransaction();
            update.Transaction = tx;
            insert.Transaction = tx;
            update.Parameters[0].Value = id;
            update.Parameters[1].Value = versions[w][row];
            if (update.ExecuteNonQuery() != 1)
            {
                tally.Failure("conditional update matched no row");
                return prevHash;
            }

            insert.Parameters[0].Value = HomeId;
            insert.Parameters[1].Value = Interlocked.Increment(ref seq);
            insert.Parameters[2].Value = data;
            insert.Parameters[3].Value = prevHash;
            insert.Parameters[4].Value = hash;
            insert.ExecuteNonQuery();
            tx.Commit();
            versions[w][row]++;
            tally.Success(started);
            return hash;
        }
        catch (SqliteException e)
        {
            tally.Failure($"sqlite {e.SqliteErrorCode}/{e.SqliteExtendedErrorCode}");
            return prevHash;
        }
    }

    private void Create()
    {
        using var connection = Open();
        using (var schema = connection.CreateCommand())
        {
            schema.CommandText = """
                PRAGMA journal_mode=WAL;
                CREATE TABLE deliveries (id TEXT NOT NULL PRIMARY KEY, status TEXT NOT NULL, version INTEGER NOT NULL);
                CREATE TABLE audit (home_id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
                    PRIMARY KEY (home_id, seq));
                """;
            schema.ExecuteNonQuery();
        }

        using var tx = connection.BeginTransaction();
        using var insert = Command(connection, "INSERT INTO deliveries (id, status, version) VALUES (@id, 'Arrived', 0);", "@id");
        insert.Transaction = tx;
        foreach (var id in ids.SelectMany(w => w))
        {
            insert.Parameters[0].Value = id;
            insert.ExecuteNonQuery();
        }

        tx.Commit();
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA synchronous=FULL;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var p in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = p });
        }

        return command;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
