using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Threshold.Hub.Storage;
using Threshold.Protocol.Credentials;

namespace Threshold.Hub.Keypad;

/// <summary>
/// hub.db tables for keypad credentials: the last accepted set (Protocol's document, with its codes: the hub must re-program the lock
/// after a restart; hub.db is 0600 in a 0700 directory), the hub-side keypad entry counts, the slot table and
/// small state values (wrong-code cool-down). The current set is cached in memory.
/// </summary>
internal sealed class KeypadStore(HubDatabase db)
{
    private readonly Lock gate = new();
    private volatile CredentialSetDocument? current;
    private bool loaded;

    public enum StoreResult
    {
        Stored,
        Stale,
    }

    /// <summary>The last accepted set, or null when the hub never received one.</summary>
    public CredentialSetDocument? Current
    {
        get
        {
            if (!loaded)
            {
                lock (gate)
                {
                    if (!loaded)
                    {
                        current = Load();
                        loaded = true;
                    }
                }
            }

            return current;
        }
    }

    /// <summary>Lockout from the stored set at <paramref name="now"/> (thread-safe).</summary>
    public bool LockoutAt(DateTimeOffset now) => Current?.Lockout.ActiveAt(now) == true;

    /// <summary>Stores the set unless its version is not newer than the stored one (atomic check-and-write).</summary>
    public StoreResult TryStore(CredentialSetDocument set)
    {
        lock (gate)
        {
            using var connection = db.Open();
            using var transaction = connection.BeginTransaction(deferred: false);
            long? stored;
            using (var select = connection.CreateCommand())
            {
                select.Transaction = transaction;
                select.CommandText = "SELECT version FROM credential_set WHERE id = 1";
                stored = select.ExecuteScalar() is { } v and not DBNull ? Convert.ToInt64(v, CultureInfo.InvariantCulture) : null;
            }

            if (stored is { } s && set.Version <= s)
            {
                return StoreResult.Stale;
            }

            var json = CredentialSetJson.Write(set);
            var body = Encoding.UTF8.GetString(json);
            CryptographicOperations.ZeroMemory(json);
            using (var write = connection.CreateCommand())
            {
                write.Transaction = transaction;
                write.CommandText = """
                    INSERT INTO credential_set (id, version, body) VALUES (1, $version, $body)
                        ON CONFLICT (id) DO UPDATE SET version = excluded.version, body = excluded.body;
                    """;
                write.Parameters.AddWithValue("$version", set.Version);
                write.Parameters.AddWithValue("$body", body);
                write.ExecuteNonQuery();
            }

            // Counts of credentials that left the set are no longer needed.
            using (var prune = connection.CreateCommand())
            {
                prune.Transaction = transaction;
                var names = new List<string>();
                for (var i = 0; i < set.Credentials.Count; i++)
                {
                    names.Add("$id" + i.ToString(CultureInfo.InvariantCulture));
                    prune.Parameters.AddWithValue(names[^1], set.Credentials[i].Id);
                }

                prune.CommandText = names.Count == 0
                    ? "DELETE FROM credential_usage"
                    : $"DELETE FROM credential_usage WHERE credential_id NOT IN ({string.Join(", ", names)})";
                prune.ExecuteNonQuery();
            }

            transaction.Commit();
            current = set;
            loaded = true;
            return StoreResult.Stored;
        }
    }

    /// <summary>Counts one keypad entry with the credential durably; returns the hub-side total.</summary>
    public int CountEntry(string credentialId)
    {
        using var connection = db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO credential_usage (credential_id, entries) VALUES ($id, 1)
                ON CONFLICT (credential_id) DO UPDATE SET entries = entries + 1;
            SELECT entries FROM credential_usage WHERE credential_id = $id;
            """;
        command.Parameters.AddWithValue("$id", credentialId);
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public Dictionary<string, int> LoadUsage()
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        using var connection = db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT credential_id, entries FROM credential_usage";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result[reader.GetString(0)] = reader.GetInt32(1);
        }

        return result;
    }

    public List<SlotAssignment> LoadSlots()
    {
        var result = new List<SlotAssignment>();
        using var connection = db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT slot, credential_id, code_hash FROM slots ORDER BY slot";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result.Add(new SlotAssignment(reader.GetInt32(0), reader.GetString(1), reader.GetString(2)));
        }

        return result;
    }

    /// <summary>Replaces the whole slot table (at most 29 rows) in one transaction.</summary>
    public void SaveSlots(IEnumerable<SlotAssignment> slots)
    {
        using var connection = db.Open();
        using var transaction = connection.BeginTransaction();
        HubDatabase.Execute(connection, "DELETE FROM slots", transaction);
        foreach (var slot in slots)
        {
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO slots (slot, credential_id, code_hash) VALUES ($slot, $id, $hash)";
            insert.Parameters.AddWithValue("$slot", slot.Slot);
            insert.Parameters.AddWithValue("$id", slot.CredentialId);
            insert.Parameters.AddWithValue("$hash", slot.CodeHash);
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    public string? GetValue(string key)
    {
        using var connection = db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM hub_state WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteScalar() as string;
    }

    public void SetValue(string key, string? value)
    {
        using var connection = db.Open();
        using var command = connection.CreateCommand();
        if (value is null)
        {
            command.CommandText = "DELETE FROM hub_state WHERE key = $key";
        }
        else
        {
            command.CommandText = "INSERT INTO hub_state (key, value) VALUES ($key, $value) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
            command.Parameters.AddWithValue("$value", value);
        }

        command.Parameters.AddWithValue("$key", key);
        command.ExecuteNonQuery();
    }

    private CredentialSetDocument? Load()
    {
        using var connection = db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT body FROM credential_set WHERE id = 1";
        if (command.ExecuteScalar() is not string body)
        {
            return null;
        }

        // It was valid when stored; a zone that vanished from the OS, or a set kept from before the one validation that
        // it does not pass, reads as none: the lock is cleared (fail secure) until the server's next sync.
        return CredentialSetJson.TryRead(Encoding.UTF8.GetBytes(body), out var set, out _) ? set : null;
    }
}
