using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Threshold.Simulator;

/// <summary>
/// The zigbee2mqtt side: <c>&lt;device&gt;/set</c> and <c>&lt;device&gt;/get</c> handled the way zigbee2mqtt and
/// zigbee-herdsman-converters handle them. Bad input is logged and dropped, never thrown.
/// </summary>
internal sealed partial class HomeDevices
{
    private static readonly string[] UserTypes = ["unrestricted", "year_day_schedule", "week_day_schedule", "master", "non_access"];

    public async Task HandleInboundAsync(string topic, byte[] payload, CancellationToken ct)
    {
        try
        {
            if (!TryRoute(topic, out var isLock, out var isSet, out var attribute))
            {
                LogUnexpectedTopic(logger, topic);
                return;
            }

            if (ParseMessage(payload, attribute) is not { } message)
            {
                LogInvalidMessage(logger, topic);
                return;
            }

            await GatedAsync(async () =>
            {
                if (!online)
                {
                    // The radio is unreachable: zigbee2mqtt's command would time out and change nothing.
                    LogIgnoredOffline(logger, topic);
                    return;
                }

                foreach (var (key, value) in message.ToArray())
                {
                    var handled = isLock && (isSet ? await SetAsync(key, value, ct) : await GetAsync(key, value));
                    if (!handled)
                    {
                        LogRefused(logger, topic, key);
                    }
                }
            }, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            LogHandlerFailed(logger, topic, e);
        }
        finally
        {
            Interlocked.Increment(ref inboundHandled);
        }
    }

    private bool TryRoute(string topic, out bool isLock, out bool isSet, out string? attribute)
    {
        isLock = false;
        isSet = false;
        attribute = null;
        string rest;
        if (topic.StartsWith(options.LockTopic + "/", StringComparison.Ordinal))
        {
            isLock = true;
            rest = topic[(options.LockTopic.Length + 1)..];
        }
        else if (topic.StartsWith(options.ContactTopic + "/", StringComparison.Ordinal))
        {
            rest = topic[(options.ContactTopic.Length + 1)..];
        }
        else
        {
            return false;
        }

        // zigbee2mqtt also accepts <device>/set/<attribute> with the bare value as payload.
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var verb = slash < 0 ? rest : rest[..slash];
        attribute = slash < 0 ? null : rest[(slash + 1)..];
        isSet = verb == "set";
        return (isSet || verb == "get") && attribute is not "";
    }

    private static JsonObject? ParseMessage(byte[] payload, string? attribute)
    {
        JsonNode? node = null;
        try
        {
            node = JsonNode.Parse(payload, documentOptions: new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException)
        {
            // Not JSON: zigbee2mqtt still takes a bare state value (e.g. "LOCK") or an attribute's raw value.
        }

        if (attribute is not null)
        {
            return new JsonObject { [attribute] = node ?? JsonValue.Create(Encoding.UTF8.GetString(payload)) };
        }

        if (node is JsonObject obj)
        {
            return obj;
        }

        var raw = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node is null ? Encoding.UTF8.GetString(payload) : null;
        return raw?.ToLowerInvariant() is "lock" or "unlock" ? new JsonObject { ["state"] = raw } : null;
    }

    private async Task<bool> SetAsync(string key, JsonNode? value, CancellationToken ct)
    {
        switch (key)
        {
            case "state" when value is JsonValue v && v.TryGetValue<string>(out var state) && state.ToLowerInvariant() is "lock" or "unlock":
                var locked = state.Equals("lock", StringComparison.OrdinalIgnoreCase);
                await ActuateAsync(locked, ct);
                // On a jam the motor failed: lock state is re-read and reported, but no operation event.
                await PublishLockAsync(jamShowing ? null : new LockAction(locked ? "lock" : "unlock", 0, Z2mPayloads.SourceRf), shutdown);
                return true;
            case "pin_code" when value is JsonObject pin && TryGetUser(pin["user"], out var user):
                return await SetPinAsync(user, pin);
            case "user_status" when value is JsonObject status && TryGetUser(status["user"], out var user)
                && status["status"] is JsonValue sv && sv.TryGetValue<string>(out var newStatus) && newStatus is "enabled" or "disabled":
                // The lock answers SetUserStatus without any event zigbee2mqtt would publish; read back with /get pin_code.
                if (!slots.TryGetValue(user, out var slot))
                {
                    return false;
                }

                slots[user] = slot with { Enabled = newStatus == "enabled" };
                return true;
            default:
                return false;
        }
    }

    private async Task<bool> SetPinAsync(int user, JsonObject pin)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        // zigbee-herdsman-converters treats a missing pin_code like null: both clear the slot.
        if (pin["pin_code"] is null)
        {
            slots.Remove(user);
            lastPinClear = now;
            await PublishLockAsync(new LockAction("pin_code_deleted", user, Z2mPayloads.SourceRf), shutdown);
            return true;
        }

        if (!TryGetPin(pin["pin_code"], out var code)
            || !TryGetString(pin["user_type"], "unrestricted", out var userType) || !UserTypes.Contains(userType)
            || !TryGetBool(pin["user_enabled"], true, out var enabled))
        {
            return false;
        }

        // A real lock answers SetPinCode with a failure status for a code another slot already uses.
        if (slots.Any(s => s.Key != user && s.Value.Pin == code))
        {
            LogDuplicatePin(logger, user);
            return false;
        }

        slots[user] = new PinSlot(code, enabled, userType);
        lastPinSave = now;
        await PublishLockAsync(new LockAction("pin_code_added", user, Z2mPayloads.SourceRf), shutdown);
        return true;
    }

    private async Task<bool> GetAsync(string key, JsonNode? value)
    {
        if (key == "state")
        {
            await PublishLockAsync(null, shutdown);
            return true;
        }

        if (key is not ("pin_code" or "user_status"))
        {
            return false;
        }

        // With no user (or anything but an object carrying one), the converter reads every slot.
        IEnumerable<int> users = Enumerable.Range(1, options.SlotCount);
        if (value is JsonObject request && request.ContainsKey("user"))
        {
            if (!TryGetUser(request["user"], out var user))
            {
                return false;
            }

            users = [user];
        }

        var withPin = key == "pin_code" && options.ExposePin;
        var reports = users.Select(u => slots.TryGetValue(u, out var s)
            ? new UserReport(u, s.Enabled ? "enabled" : "disabled", withPin ? s.Pin : null)
            : new UserReport(u, "available", null)).ToList();
        await PublishLockAsync(null, shutdown, reports);
        return true;
    }

    private bool TryGetUser(JsonNode? node, out int user)
    {
        user = 0;
        var ok = node is JsonValue v
            && (v.TryGetValue(out user)
                || (v.TryGetValue<string>(out var s) && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out user)));
        return ok && user >= 1 && user <= options.SlotCount;
    }

    /// <summary>PINs travel as strings (leading zeros matter); a JSON integer is accepted as zigbee2mqtt does.</summary>
    private bool TryGetPin(JsonNode? node, out string code)
    {
        code = "";
        if (node is not JsonValue v)
        {
            return false;
        }

        if (v.TryGetValue<string>(out var s))
        {
            code = s;
        }
        else if (v.TryGetValue<long>(out var n) && n >= 0)
        {
            code = n.ToString(CultureInfo.InvariantCulture);
        }

        return code.Length >= options.MinPinLength && code.Length <= options.MaxPinLength && code.All(char.IsAsciiDigit);
    }

    private static bool TryGetString(JsonNode? node, string fallback, out string value)
    {
        value = fallback;
        return node is null || (node is JsonValue v && v.TryGetValue(out value!));
    }

    private static bool TryGetBool(JsonNode? node, bool fallback, out bool value)
    {
        value = fallback;
        return node is null || (node is JsonValue v && v.TryGetValue(out value));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored message on unexpected topic {Topic}")]
    private static partial void LogUnexpectedTopic(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Error, Message = "Invalid message on {Topic}: not a JSON object or a state value")]
    private static partial void LogInvalidMessage(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device unreachable, ignored {Topic}")]
    private static partial void LogIgnoredOffline(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Error, Message = "Publish/get on {Topic} failed: no converter or invalid value for '{Key}'")]
    private static partial void LogRefused(ILogger logger, string topic, string key);

    [LoggerMessage(Level = LogLevel.Error, Message = "Lock refused PIN for user {User}: code already used by another slot")]
    private static partial void LogDuplicatePin(ILogger logger, int user);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling a message on {Topic} failed")]
    private static partial void LogHandlerFailed(ILogger logger, string topic, Exception exception);
}
