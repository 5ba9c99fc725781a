using System.Text;
using System.Text.Json;

namespace Threshold.Hub.Zigbee;

/// <summary>Parses exactly the payloads of shared/reference/devices.md; anything else is garbage (null + reason).</summary>
internal static class DeviceMessages
{
    public const int MaxPayloadBytes = 64 * 1024;

    private static readonly string[] KnownActions =
    [
        "lock", "unlock", "lock_failure_invalid_pin_or_id", "lock_failure_invalid_schedule",
        "unlock_failure_invalid_pin_or_id", "unlock_failure_invalid_schedule", "one_touch_lock", "key_lock",
        "key_unlock", "auto_lock", "schedule_lock", "schedule_unlock", "manual_lock", "manual_unlock",
        "non_access_user_operational_event", "unknown", "pin_code_added", "pin_code_deleted", "pin_code_changed",
    ];

    /// <summary>Null report with null error = a valid message carrying nothing the hub uses (battery, linkquality...).</summary>
    public static LockReport? ParseLock(ReadOnlySpan<byte> payload, out string? error)
    {
        error = null;
        if (!TryParseObject(payload, out var doc, out error))
        {
            return null;
        }

        using (doc)
        {
            var root = doc!.RootElement;
            var jammed = false;
            string? action = null, source = null;
            int? user = null;
            if (!TryReadBolt(root, out var bolt, out error))
            {
                return null;
            }

            if (root.TryGetProperty("door_state", out var doorState))
            {
                if (doorState.ValueKind != JsonValueKind.String)
                {
                    error = "door_state is not a string";
                    return null;
                }

                jammed = doorState.ValueEquals("error_jammed");
            }

            if (root.TryGetProperty("action", out var actionElement) && actionElement.ValueKind != JsonValueKind.Null)
            {
                action = actionElement.ValueKind == JsonValueKind.String ? actionElement.GetString() : null;
                if (action is null || (action.Length > 0 && !KnownActions.Contains(action)))
                {
                    error = "unknown action";
                    return null;
                }

                action = action.Length == 0 ? null : action;
            }

            if (root.TryGetProperty("action_source_name", out var sourceElement) && sourceElement.ValueKind != JsonValueKind.Null)
            {
                source = sourceElement.ValueKind == JsonValueKind.String ? sourceElement.GetString() : null;
                if (source is null)
                {
                    error = "action_source_name is not a string";
                    return null;
                }
            }

            if (root.TryGetProperty("action_user", out var userElement) && userElement.ValueKind != JsonValueKind.Null)
            {
                if (userElement.ValueKind != JsonValueKind.Number || !userElement.TryGetInt32(out var u))
                {
                    error = "action_user is not an integer";
                    return null;
                }

                user = u;
            }

            return bolt is null && !jammed && action is null ? null : new LockReport(bolt, jammed, action, source, user);
        }
    }

    /// <summary><c>lock_state</c> (locked|unlocked|not_fully_locked) over <c>state</c> (LOCK|UNLOCK); null when neither is there.</summary>
    private static bool TryReadBolt(JsonElement root, out Bolt? bolt, out string? error)
    {
        bolt = null;
        error = null;
        if (root.TryGetProperty("lock_state", out var lockState))
        {
            bolt = Text(lockState) switch
            {
                "locked" => Bolt.Locked,
                "unlocked" => Bolt.Unlocked,
                "not_fully_locked" => Bolt.NotFullyLocked,
                _ => null,
            };
            error = bolt is null ? "lock_state is not locked|unlocked|not_fully_locked" : null;
        }
        else if (root.TryGetProperty("state", out var state))
        {
            bolt = Text(state) switch
            {
                "LOCK" => Bolt.Locked,
                "UNLOCK" => Bolt.Unlocked,
                _ => null,
            };
            error = bolt is null ? "state is not LOCK|UNLOCK" : null;
        }

        return error is null;
    }

    private static string? Text(JsonElement element) => element.ValueKind == JsonValueKind.String ? element.GetString() : null;

    public static ContactReport? ParseContact(ReadOnlySpan<byte> payload, out string? error)
    {
        if (!TryParseObject(payload, out var doc, out error))
        {
            return null;
        }

        using (doc)
        {
            if (!doc!.RootElement.TryGetProperty("contact", out var contact))
            {
                return null;
            }

            if (contact.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                error = "contact is not a boolean";
                return null;
            }

            return new ContactReport(contact.GetBoolean());
        }
    }

    /// <summary>{"state":"online"|"offline"}, or the legacy plain-text form.</summary>
    public static bool? ParseOnline(ReadOnlySpan<byte> payload, out string? error)
    {
        error = null;
        var text = payload.Length <= 16 ? Encoding.UTF8.GetString(payload).Trim() : null;
        if (text is "online" or "offline")
        {
            return text == "online";
        }

        if (!TryParseObject(payload, out var doc, out error))
        {
            return null;
        }

        using (doc)
        {
            if (doc!.RootElement.TryGetProperty("state", out var state) && state.ValueKind == JsonValueKind.String)
            {
                if (state.ValueEquals("online"))
                {
                    return true;
                }

                if (state.ValueEquals("offline"))
                {
                    return false;
                }
            }

            error = "state is not online|offline";
            return null;
        }
    }

    private static bool TryParseObject(ReadOnlySpan<byte> payload, out JsonDocument? doc, out string? error)
    {
        doc = null;
        error = null;
        if (payload.Length == 0 || payload.Length > MaxPayloadBytes)
        {
            error = payload.Length == 0 ? "empty payload" : "oversized payload";
            return false;
        }

        try
        {
            doc = JsonDocument.Parse(payload.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException)
        {
            error = "not JSON";
            return false;
        }

        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            doc.Dispose();
            doc = null;
            error = "not a JSON object";
            return false;
        }

        return true;
    }
}
