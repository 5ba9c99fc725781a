using System.Collections.Concurrent;
using System.Data.Common;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using SQLitePCL;
using Threshold.Server.Data;

namespace Threshold.Bench;

/// <summary>
/// Diagnostic run (<c>--diagnose</c>): every statement SQLite itself executes for one unlock, with the
/// time SQLite spent on it, taken from sqlite3_profile on the server's connections, so it includes what EF Core does not log
/// (BEGIN IMMEDIATE, COMMIT, and the PRAGMAs the server runs each time it opens a pooled connection);
/// then the one-client latency breakdown of <see cref="LatencyBreakdown"/>.
/// </summary>
internal static class SqlTrace
{
    private const int Traced = 100;

    public static async Task RunAsync()
    {
        var sink = new StatementSink();
        await using var server = await BenchServer.StartAsync(b =>
            b.Services.ConfigureDbContext<ThresholdDbContext>(o => o.AddInterceptors(new TraceHook(sink))));
        using var http = BenchWorld.Client(server, 1);
        var world = await BenchWorld.CreateAsync(server, http, couriers: 1);
        var queue = await world.PrepareAsync(workers: 1, perWorker: 10 + Traced);
        var auth = new AuthenticationHeaderValue("Bearer", world.Couriers[0].Token);

        // Untraced unlocks first, so every pooled connection carries the hook from its first statement on.
        for (var i = 0; i < 10; i++)
        {
            await UnlockAsync(http, auth, Next(queue));
        }

        var traces = new List<List<Statement>>();
        for (var i = 0; i < Traced; i++)
        {
            sink.Clear();
            await UnlockAsync(http, auth, Next(queue));
            traces.Add(sink.Drain());
        }

        // sqlite3_profile times with the VFS clock (millisecond steps), so per-statement figures are means over all traced unlocks.
        var first = traces[0];
        var same = traces.All(t => t.Count == first.Count);
        Console.WriteLine($"SQL statements SQLite executed for one POST /api/v1/courier/deliveries/{{id}}/unlock " +
            $"(mean time inside SQLite over {Traced} sequential unlocks):");
        for (var s = 0; s < first.Count; s++)
        {
            var meanUs = same ? traces.Average(t => t[s].Nanoseconds) / 1000.0 : double.NaN;
            Console.WriteLine($"{s + 1,3}. [{meanUs,7:F1} µs] {OneLine(first[s].Sql)}");
        }

        Console.WriteLine($"     statements per unlock: {string.Join(", ", traces.Select(t => t.Count).Distinct())}; " +
            $"mean total inside SQLite {traces.Average(t => t.Sum(x => x.Nanoseconds)) / 1e6:F2} ms");

        await LatencyBreakdown.RunAsync(server, world, http, auth, sink);
    }

    private static Guid Next(ConcurrentQueue<ArrivedDelivery> queue) =>
        queue.TryDequeue(out var delivery) ? delivery.Id : throw new InvalidOperationException("No arrived delivery left.");

    internal static Task UnlockAsync(HttpClient http, AuthenticationHeaderValue auth, Guid id) =>
        SendAsync(http, auth, HttpMethod.Post, $"/api/v1/courier/deliveries/{id}/unlock");

    internal static async Task SendAsync(
        HttpClient http, AuthenticationHeaderValue? auth, HttpMethod method, string path, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = auth;
        using var response = await http.SendAsync(request);
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private static string OneLine(string sql)
    {
        var flat = string.Join(' ', sql.Split((char[])['\r', '\n', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= 400 ? flat : flat[..400] + " …";
    }

    /// <summary>A statement SQLite finished, with the time SQLite itself spent running it.</summary>
    internal sealed record Statement(string Sql, long Nanoseconds);

    internal sealed class StatementSink
    {
        private ConcurrentQueue<Statement> statements = new();

        public void Add(string sql, long ns) => statements.Enqueue(new Statement(sql, ns));

        public void Clear() => statements = new ConcurrentQueue<Statement>();

        public List<Statement> Drain() => [.. Interlocked.Exchange(ref statements, new ConcurrentQueue<Statement>())];
    }

    /// <summary>
    /// Installs sqlite3_profile once per native connection: the first time EF opens it, or, for the server's writer
    /// connection (opened outside EF and lent to each request's context), the first time EF runs a command on it.
    /// </summary>
    private sealed class TraceHook(StatementSink sink) : DbConnectionInterceptor, IDbCommandInterceptor
    {
        private readonly ConditionalWeakTable<sqlite3, object> hooked = [];

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Hook(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Hook(connection);
            return Task.CompletedTask;
        }

        public DbCommand CommandInitialized(CommandEndEventData eventData, DbCommand result)
        {
            if (result.Connection is { } connection)
            {
                Hook(connection);
            }

            return result;
        }

        private void Hook(DbConnection connection)
        {
            if (connection is SqliteConnection { Handle: { } handle } && hooked.TryAdd(handle, sink))
            {
                SQLitePCL.raw.sqlite3_profile(handle, static (state, sql, ns) => ((StatementSink)state).Add(sql.utf8_to_string(), ns), sink);
            }
        }
    }
}
