using System.Globalization;
using System.Text.Json;
using Threshold.Domain;
using Threshold.Domain.Schedules;

namespace Threshold.Hub.Keypad;

/// <summary>One keypad credential the hub must hold (docs/hub-protocol.md "Credentials on the hub").</summary>
internal sealed record HubCredential(
    string Id, string Kind, string Code, string ScheduleType, Schedule Schedule, int? MaxEntries, int EntriesUsed)
{
    /// <summary><c>once</c> and <c>delivery</c> credentials open the door once.</summary>
    public bool SingleUse => Kind == "delivery" || ScheduleType == "once";

    /// <summary>The end of a bounded window (temporary, once); null for always/recurring.</summary>
    public DateTimeOffset? WindowEnd => Schedule switch
    {
        OnceSchedule o => o.To,
        TemporarySchedule t => t.To,
        _ => null,
    };

    /// <summary>True when <paramref name="used"/> keypad entries exhaust the credential.</summary>
    public bool IsSpent(int used) => SingleUse ? used >= 1 : MaxEntries is { } max && used >= max;

    public override string ToString() => $"HubCredential {{ Id = {Id}, Kind = {Kind} }}"; // never the code
}

/// <summary>The complete credential set of one home, as the server sealed it to this hub.</summary>
internal sealed record CredentialSet(
    long Version,
    string TimeZoneId,
    TimeZoneInfo Zone,
    bool LockoutActive,
    DateTimeOffset? LockoutUntil,
    int WrongCodeLimit,
    int DisableSeconds,
    IReadOnlyList<HubCredential> Credentials)
{
    public const int MaxSlots = 29;
    public const int DefaultWrongCodeLimit = 5;
    public const int DefaultDisableSeconds = 300;

    public bool LockoutAt(DateTimeOffset now) => LockoutActive && (LockoutUntil is null || now < LockoutUntil);

    public HubCredential? Find(string id) => Credentials.FirstOrDefault(c => c.Id == id);

    public override string ToString() => $"CredentialSet {{ Version = {Version}, Credentials = {Credentials.Count} }}"; // never the codes

    /// <summary>Parses the documented plaintext; null with a reason (never containing a code) when it is not that shape.</summary>
    public static CredentialSet? Parse(ReadOnlySpan<byte> json, out string? error)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
            return Parse(doc.RootElement, out error);
        }
        catch (JsonException)
        {
            error = "not JSON";
            return null;
        }
    }

    private static CredentialSet? Parse(JsonElement root, out string? error)
    {
        error = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = "not an object";
            return null;
        }

        if (!TryGetLong(root, "version", out var version) || version < 1)
        {
            error = "version";
            return null;
        }

        if (!root.TryGetProperty("timeZone", out var tz) || tz.ValueKind != JsonValueKind.String)
        {
            error = "timeZone";
            return null;
        }

        TimeZoneInfo zone;
        try
        {
            zone = TimeZones.ResolveZone(tz.GetString()!);
        }
        catch (DomainException)
        {
            error = "timeZone";
            return null;
        }

        var lockoutActive = false;
        DateTimeOffset? lockoutUntil = null;
        if (root.TryGetProperty("lockout", out var lockout) && lockout.ValueKind != JsonValueKind.Null)
        {
            if (lockout.ValueKind != JsonValueKind.Object
                || !lockout.TryGetProperty("active", out var active) || active.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                error = "lockout";
                return null;
            }

            lockoutActive = active.GetBoolean();
            if (lockout.TryGetProperty("until", out var until) && until.ValueKind != JsonValueKind.Null)
            {
                if (!TryInstant(until, out var u))
                {
                    error = "lockout.until";
                    return null;
                }

                lockoutUntil = u;
            }
        }

        var limit = DefaultWrongCodeLimit;
        var disable = DefaultDisableSeconds;
        if (root.TryGetProperty("keypad", out var keypad) && keypad.ValueKind != JsonValueKind.Null)
        {
            if (keypad.ValueKind != JsonValueKind.Object
                || !TryGetInt(keypad, "wrongCodeLimit", out limit) || limit is < 1 or > 1000
                || !TryGetInt(keypad, "disableSeconds", out disable) || disable is < 1 or > 7 * 86400)
            {
                error = "keypad";
                return null;
            }
        }

        if (!root.TryGetProperty("credentials", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            error = "credentials";
            return null;
        }

        if (list.GetArrayLength() > MaxSlots)
        {
            error = $"more than {MaxSlots} credentials";
            return null;
        }

        var credentials = new List<HubCredential>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var codes = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            var credential = ParseCredential(item, out error);
            if (credential is null)
            {
                error = $"credentials[{index}]: {error}";
                return null;
            }

            if (!ids.Add(credential.Id))
            {
                error = $"credentials[{index}]: duplicate id";
                return null;
            }

            if (!codes.Add(credential.Code))
            {
                // A lock refuses a code another slot already holds.
                error = $"credentials[{index}]: duplicate code";
                return null;
            }

            credentials.Add(credential);
            index++;
        }

        return new CredentialSet(version, tz.GetString()!, zone, lockoutActive, lockoutUntil, limit, disable, credentials);
    }

    private static HubCredential? ParseCredential(JsonElement item, out string? error)
    {
        error = null;
        if (item.ValueKind != JsonValueKind.Object)
        {
            error = "not an object";
            return null;
        }

        if (!TryString(item, "id", out var id) || id.Length is 0 or > 128)
        {
            error = "id";
            return null;
        }

        if (!TryString(item, "kind", out var kind) || kind is not ("guest" or "service" or "delivery"))
        {
            error = "kind";
            return null;
        }

        if (!TryString(item, "code", out var code) || code.Length is < 4 or > 12 || !code.All(char.IsAsciiDigit))
        {
            error = "code";
            return null;
        }

        int? maxEntries = null;
        if (item.TryGetProperty("maxEntries", out var max) && max.ValueKind != JsonValueKind.Null)
        {
            if (max.ValueKind != JsonValueKind.Number || !max.TryGetInt32(out var m) || m < 1)
            {
                error = "maxEntries";
                return null;
            }

            maxEntries = m;
        }

        var used = 0;
        if (item.TryGetProperty("entriesUsed", out var usedElement) && usedElement.ValueKind != JsonValueKind.Null
            && (usedElement.ValueKind != JsonValueKind.Number || !usedElement.TryGetInt32(out used) || used < 0))
        {
            error = "entriesUsed";
            return null;
        }

        if (!item.TryGetProperty("schedule", out var scheduleElement) || scheduleElement.ValueKind != JsonValueKind.Object
            || !TryString(scheduleElement, "type", out var type))
        {
            error = "schedule";
            return null;
        }

        Schedule? schedule;
        try
        {
            schedule = type switch
            {
                "always" => new AlwaysSchedule(),
                "temporary" when TryInstant(scheduleElement, "from", out var f) && TryInstant(scheduleElement, "to", out var t) => new TemporarySchedule(f, t),
                "once" when TryInstant(scheduleElement, "from", out var f) && TryInstant(scheduleElement, "to", out var t) => new OnceSchedule(f, t),
                "recurring" => ParseRecurring(scheduleElement),
                _ => null,
            };
        }
        catch (DomainException)
        {
            schedule = null;
        }

        if (schedule is null)
        {
            error = "schedule";
            return null;
        }

        return new HubCredential(id, kind, code, type, schedule, maxEntries, used);
    }

    private static RecurringSchedule? ParseRecurring(JsonElement element)
    {
        if (!element.TryGetProperty("days", out var days) || days.ValueKind != JsonValueKind.Array
            || !TryString(element, "from", out var from) || !TryString(element, "to", out var to)
            || !TryTime(from, out var start) || !TryTime(to, out var end))
        {
            return null;
        }

        var set = new HashSet<DayOfWeek>();
        foreach (var day in days.EnumerateArray())
        {
            var name = day.ValueKind == JsonValueKind.String ? day.GetString() : null;
            if (name is null || name.Length == 0 || !name.All(char.IsAsciiLetter) || !Enum.TryParse<DayOfWeek>(name, ignoreCase: true, out var d))
            {
                return null;
            }

            set.Add(d);
        }

        return new RecurringSchedule(set, start, end);
    }

    private static bool TryTime(string text, out TimeOnly time) =>
        TimeOnly.TryParseExact(text, ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out time);

    private static bool TryString(JsonElement element, string name, out string value)
    {
        value = "";
        if (element.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String)
        {
            value = p.GetString()!;
            return true;
        }

        return false;
    }

    private static bool TryInstant(JsonElement element, string name, out DateTimeOffset value)
    {
        value = default;
        return element.TryGetProperty(name, out var p) && TryInstant(p, out value);
    }

    private static bool TryInstant(JsonElement element, out DateTimeOffset value)
    {
        value = default;
        return element.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(element.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }

    private static bool TryGetInt(JsonElement element, string name, out int value)
    {
        value = 0;
        return element.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out value);
    }

    private static bool TryGetLong(JsonElement element, string name, out long value)
    {
        value = 0;
        if (!element.TryGetProperty(name, out var p))
        {
            return false;
        }

        return p.ValueKind switch
        {
            JsonValueKind.Number => p.TryGetInt64(out value),
            JsonValueKind.String => long.TryParse(p.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out value),
            _ => false,
        };
    }
}
