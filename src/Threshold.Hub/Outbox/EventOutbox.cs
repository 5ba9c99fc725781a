using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Threshold.Hub.Storage;
using Threshold.Protocol.Events;
using Threshold.Protocol.Topics;

namespace Threshold.Hub.Outbox;

/// <summary>A formed batch: stored with its seq and re-sent unchanged until acknowledged.</summary>
internal sealed record StoredBatch(long Seq, string Jws, int EventCount);

/// <summary>
/// Durable event outbox (docs/hub-protocol.md "Events"): every event is written to SQLite before anything
/// else sees it; pending events are formed into numbered, signed batches that stay until the server acks them.
/// </summary>
internal sealed partial class EventOutbox(HubDatabase db, HubRuntime runtime, TimeProvider time, OutboundWakeup wakeup, ILogger<EventOutbox> logger)
{
    public const int MaxEventsPerBatch = 100;

    private readonly Lock gate = new();

    /// <summary>Signalled when an event was appended or a batch acknowledged.</summary>
    public AsyncSignal Changed => wakeup;

    /// <summary>
    /// Appends one event durably and returns its hub-local id. Its <c>id</c> and <c>at</c> are the outbox's: give them
    /// as 0 and <c>default</c>; the id is the outbox row, <c>at</c> the hub's clock now.
    /// </summary>
    public long Append(HubEvent evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var element = HubEventJson.ToElement(evt with { Id = 0, At = time.GetUtcNow() });
        var type = element.GetProperty("type").GetString()!;
        var fields = element.GetRawText();
        long id;
        lock (gate)
        {
            using var connection = db.Open();
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO outbox (type, at, fields) VALUES ($type, $at, $fields); SELECT last_insert_rowid();";
            insert.Parameters.AddWithValue("$type", type);
            insert.Parameters.AddWithValue("$at", element.GetProperty("at").GetString()!);
            insert.Parameters.AddWithValue("$fields", fields);
            id = Convert.ToInt64(insert.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        if (evt is Alarm alarm)
        {
            LogAlarm(logger, alarm.Code);
        }

        LogEvent(logger, id, type, fields);
        Changed.Set();
        return id;
    }

    /// <summary>The oldest unacknowledged batch, forming a new one from pending events if none is waiting.</summary>
    public StoredBatch? NextBatch()
    {
        lock (gate)
        {
            using var connection = db.Open();
            var existing = OldestBatch(connection);
            if (existing is not null)
            {
                return existing;
            }

            using var transaction = connection.BeginTransaction();
            var events = new List<JsonElement>();
            long lastId = 0;
            using (var select = connection.CreateCommand())
            {
                select.Transaction = transaction;
                select.CommandText = "SELECT id, type, at, fields FROM outbox ORDER BY id LIMIT $limit";
                select.Parameters.AddWithValue("$limit", MaxEventsPerBatch);
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    lastId = reader.GetInt64(0);
                    events.Add(ToElement(lastId, reader.GetString(1), reader.GetString(2), reader.GetString(3)));
                }
            }

            if (events.Count == 0)
            {
                return null;
            }

            long seq;
            using (var next = connection.CreateCommand())
            {
                next.Transaction = transaction;
                next.CommandText = "SELECT COALESCE((SELECT value FROM meta WHERE key = 'last_seq'), 0) + 1";
                seq = Convert.ToInt64(next.ExecuteScalar(), CultureInfo.InvariantCulture);
            }

            var jws = runtime.BatchSigner.Sign(new EventBatch(HubIds.ToWire(runtime.HubId), seq, events));
            using (var write = connection.CreateCommand())
            {
                write.Transaction = transaction;
                write.CommandText = """
                    INSERT INTO meta (key, value) VALUES ('last_seq', $seq) ON CONFLICT (key) DO UPDATE SET value = excluded.value;
                    INSERT INTO batches (seq, jws, event_count) VALUES ($seq, $jws, $count);
                    DELETE FROM outbox WHERE id <= $last;
                    """;
                write.Parameters.AddWithValue("$seq", seq);
                write.Parameters.AddWithValue("$jws", jws);
                write.Parameters.AddWithValue("$count", events.Count);
                write.Parameters.AddWithValue("$last", lastId);
                write.ExecuteNonQuery();
            }

            transaction.Commit();
            return new StoredBatch(seq, jws, events.Count);
        }
    }

    /// <summary>
    /// Drops every batch with seq ≤ <paramref name="seq"/>. An ack above any seq this hub ever assigned means
    /// the server applied batches this database no longer knows of (the hub's database was lost): what is still
    /// unacknowledged is renumbered after the server's seq and re-signed, instead of being dropped unseen.
    /// </summary>
    public int Acknowledge(long seq)
    {
        int removed;
        lock (gate)
        {
            using var connection = db.Open();
            using var transaction = connection.BeginTransaction();
            using var last = connection.CreateCommand();
            last.Transaction = transaction;
            last.CommandText = "SELECT COALESCE((SELECT value FROM meta WHERE key = 'last_seq'), 0)";
            var lastSeq = Convert.ToInt64(last.ExecuteScalar(), CultureInfo.InvariantCulture);
            removed = seq > lastSeq ? Renumber(connection, transaction, seq) : Delete(connection, transaction, seq);
            transaction.Commit();
        }

        if (removed > 0)
        {
            Changed.Set();
        }

        return removed;
    }

    private static int Delete(Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction transaction, long seq)
    {
        using var delete = connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = "DELETE FROM batches WHERE seq <= $seq";
        delete.Parameters.AddWithValue("$seq", seq);
        return delete.ExecuteNonQuery();
    }

    private int Renumber(Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction transaction, long serverSeq)
    {
        var pending = new List<string>();
        using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT jws FROM batches ORDER BY seq";
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                pending.Add(reader.GetString(0));
            }
        }

        using (var clear = connection.CreateCommand())
        {
            clear.Transaction = transaction;
            clear.CommandText = "DELETE FROM batches";
            clear.ExecuteNonQuery();
        }

        var next = serverSeq;
        foreach (var jws in pending)
        {
            next++;
            var events = EventsOf(jws);
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO batches (seq, jws, event_count) VALUES ($seq, $jws, $count)";
            insert.Parameters.AddWithValue("$seq", next);
            insert.Parameters.AddWithValue("$jws", runtime.BatchSigner.Sign(new EventBatch(HubIds.ToWire(runtime.HubId), next, events)));
            insert.Parameters.AddWithValue("$count", events.Count);
            insert.ExecuteNonQuery();
        }

        using var meta = connection.CreateCommand();
        meta.Transaction = transaction;
        meta.CommandText = "INSERT INTO meta (key, value) VALUES ('last_seq', $seq) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        meta.Parameters.AddWithValue("$seq", next);
        meta.ExecuteNonQuery();
        return pending.Count;
    }

    /// <summary>The events inside one of our own stored batches (its JWS payload).</summary>
    private static List<JsonElement> EventsOf(string jws)
    {
        var payload = jws.Split('.')[1];
        using var doc = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(payload));
        return doc.RootElement.GetProperty("events").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    /// <summary>Events not yet acknowledged (pending plus those inside formed batches).</summary>
    public (int PendingEvents, int Batches) Count()
    {
        lock (gate)
        {
            using var connection = db.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT (SELECT COUNT(*) FROM outbox), (SELECT COUNT(*) FROM batches)";
            using var reader = command.ExecuteReader();
            reader.Read();
            return (reader.GetInt32(0), reader.GetInt32(1));
        }
    }

    private static StoredBatch? OldestBatch(Microsoft.Data.Sqlite.SqliteConnection connection)
    {
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT seq, jws, event_count FROM batches ORDER BY seq LIMIT 1";
        using var reader = select.ExecuteReader();
        return reader.Read() ? new StoredBatch(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2)) : null;
    }

    /// <summary>The event as it goes into a batch: the row's id, type and at first, then its other fields.</summary>
    private static JsonElement ToElement(long id, string type, string at, string fieldsJson)
    {
        var fields = JsonNode.Parse(fieldsJson) as JsonObject ?? [];
        var body = new JsonObject { ["id"] = id, ["type"] = type, ["at"] = at };
        foreach (var (name, value) in fields)
        {
            if (name is not ("id" or "type" or "at"))
            {
                body[name] = value?.DeepClone();
            }
        }

        return JsonSerializer.SerializeToElement(body);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ALARM {Alarm}")]
    private static partial void LogAlarm(ILogger logger, string alarm);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event {Id} {Type} {Fields}")]
    private static partial void LogEvent(ILogger logger, long id, string type, string fields);
}

internal static class OutboxFeature
{
    public static IServiceCollection AddOutbox(this IServiceCollection services) =>
        services.AddSingleton<OutboundWakeup>().AddSingleton<EventOutbox>();
}
