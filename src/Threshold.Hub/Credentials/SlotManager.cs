using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Threshold.Hub.Locks;
using Threshold.Hub.Outbox;

namespace Threshold.Hub.Credentials;

/// <summary>The home broker connection was (re)established and the device topics are subscribed.</summary>
internal sealed record ZigbeeConnected;

/// <summary>What the slot manager has done, published after each processed message (tests wait on it).</summary>
internal sealed record SlotSnapshot(
    long Processed, DateTimeOffset EvaluatedAt, long Version, IReadOnlyList<SlotView> Slots, int WrongCodes, DateTimeOffset? KeypadDisabledUntil);

internal sealed record SlotView(int Slot, string CredentialId, string State);

/// <summary>
/// Owns the lock's PIN slots 1..29 (docs/hub-protocol.md "Credentials on the hub"): assigns each credential of the
/// stored set a stable slot, programs/clears it over zigbee2mqtt, enables/disables it as its schedule opens and closes on
/// the hub's clock, enforces single use and maxEntries from keypad events, lockout, and the wrong-code cool-down.
/// Everything is re-checked every second of the injected clock, right after a sync, and after the lock or the home broker
/// comes back (then the whole range 1..29 is re-synced: slots not in the table are cleared, the table re-programmed).
/// One loop handles every input in order. Codes are never logged nor put in events.
/// </summary>
internal sealed partial class SlotManager(
    ZigbeeConnection zigbee,
    CredentialStore store,
    EventOutbox outbox,
    LockController controller,
    HubRuntime runtime,
    TimeProvider time,
    ILogger<SlotManager> logger) : BackgroundService
{
    public const int MaxSlot = CredentialSet.MaxSlots;
    public static readonly TimeSpan WrongCodeWindow = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan TickPeriod = TimeSpan.FromSeconds(1);

    private const string DisabledUntilKey = "keypad_disabled_until";
    private const string WrongCodesKey = "keypad_wrong_codes";
    private const string LastTableKey = "slot_table_last";

    private readonly Channel<object> inbox = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SortedDictionary<int, Row> slots = [];
    private readonly List<DateTimeOffset> wrongCodes = [];
    private Dictionary<string, int> usage = new(StringComparer.Ordinal);
    private DateTimeOffset? disabledUntil;
    private bool? lockOnline, bridgeOnline;
    private bool connected;
    private bool wasOnline;
    private bool needSweep = true;
    private string? lastTable;
    private int tickQueued;
    private long processed;
    private volatile SlotSnapshot snapshot = new(0, DateTimeOffset.MinValue, 0, [], 0, null);

    public SlotSnapshot Snapshot => snapshot;

    private string? LockId => runtime.LockId;

    private bool Online => connected && zigbee.Client.IsConnected && lockOnline != false && bridgeOnline != false;

    public void Post(object message) => inbox.Writer.TryWrite(message);

    /// <summary>A new set was stored: re-evaluate now.</summary>
    public void CredentialsChanged() => Post(new SetChanged());

    /// <summary>Lockout from the stored set, on the hub's clock (thread-safe).</summary>
    public bool IsLockoutActive() => store.Current?.LockoutAt(time.GetUtcNow()) == true;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Load();
        using var timer = time.CreateTimer(static s => ((SlotManager)s!).OnTick(), this, TickPeriod, TickPeriod);
        OnTick();
        try
        {
            await foreach (var message in inbox.Reader.ReadAllAsync(stoppingToken))
            {
                DateTimeOffset now = time.GetUtcNow();
                try
                {
                    now = time.GetUtcNow();
                    Handle(message, now);
                    await ReconcileAsync(now, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    LogHandlerFailed(logger, message.GetType().Name, e);
                }

                processed++;
                snapshot = new SlotSnapshot(
                    processed, now, store.Current?.Version ?? 0, [.. slots.Values.Select(r => new SlotView(r.Slot, r.CredentialId, r.State))], wrongCodes.Count, disabledUntil);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void OnTick()
    {
        if (Interlocked.Exchange(ref tickQueued, 1) == 0)
        {
            inbox.Writer.TryWrite(Tick.Instance);
        }
    }

    private void Load()
    {
        foreach (var row in store.LoadSlots())
        {
            if (row.Slot is >= 1 and <= MaxSlot)
            {
                slots[row.Slot] = new Row(row.Slot, row.CredentialId, row.CodeHash);
            }
        }

        usage = store.LoadUsage();
        lastTable = store.GetValue(LastTableKey);
        if (long.TryParse(store.GetValue(DisabledUntilKey), NumberStyles.Integer, CultureInfo.InvariantCulture, out var until))
        {
            disabledUntil = DateTimeOffset.FromUnixTimeMilliseconds(until);
        }

        foreach (var part in (store.GetValue(WrongCodesKey) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (long.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var at))
            {
                wrongCodes.Add(DateTimeOffset.FromUnixTimeMilliseconds(at));
            }
        }
    }

    private void Handle(object message, DateTimeOffset now)
    {
        switch (message)
        {
            case Tick:
                Volatile.Write(ref tickQueued, 0);
                break;
            case SetChanged:
                usage = store.LoadUsage();
                break;
            case ZigbeeConnected:
                connected = true;
                needSweep = true;
                break;
            case AvailabilityReport report when report.Device is "lock" or "bridge":
                var previous = report.Device == "lock" ? lockOnline : bridgeOnline;
                if (report.Device == "lock")
                {
                    lockOnline = report.Online;
                }
                else
                {
                    bridgeOnline = report.Online;
                }

                if (report.Online && previous == false)
                {
                    // Back from an outage: whatever happened meanwhile, converge the whole range again.
                    needSweep = true;
                }

                break;
            case LockReport { Action: "unlock", ActionSource: "keypad" } report:
                OnKeypadUnlock(report.ActionUser, now);
                break;
            case LockReport { Action: "unlock_failure_invalid_pin_or_id", ActionSource: "keypad" or null }:
                OnWrongCode(now);
                break;
        }
    }

    private int Used(HubCredential credential) =>
        Math.Max(usage.GetValueOrDefault(credential.Id), credential.EntriesUsed);

    private void OnKeypadUnlock(int? user, DateTimeOffset now)
    {
        var set = store.Current;
        if (user is not { } slot || !slots.TryGetValue(slot, out var row) || set?.Find(row.CredentialId) is not { } credential)
        {
            LogUnknownUser(logger, user);
            Alarm("keypad_unknown_user", new JsonObject { ["slot"] = user });
            if (user is >= 1 and <= MaxSlot)
            {
                // A code in a managed slot the hub does not know is stale: wipe it (the usual session relocks the door).
                needSweep = true;
            }

            return;
        }

        var before = Used(credential);
        var hubCount = store.CountEntry(credential.Id);
        usage[credential.Id] = hubCount;
        var after = Used(credential);
        Record("keypad_entry", new JsonObject { ["credentialId"] = credential.Id, ["slot"] = slot, ["lockId"] = LockId });

        var reason = set.LockoutAt(now) ? "lockout_active"
            : disabledUntil is { } until && now < until ? "keypad_disabled"
            : !credential.Schedule.IsOpenAt(now, set.Zone) || (credential.WindowEnd is { } end && now >= end) ? "outside_window"
            : credential.IsSpent(before) ? "already_used"
            : null;
        if (reason is not null)
        {
            // The slot should have been disabled already (clock tick or an offline lock): the door must not stay open.
            LogEntryRefused(logger, credential.Id, slot, reason);
            controller.RelockNow("keypad_refused");
            Alarm("keypad_not_allowed", new JsonObject { ["credentialId"] = credential.Id, ["slot"] = slot, ["reason"] = reason });
        }

        if (credential.IsSpent(after) && !credential.IsSpent(before))
        {
            // The reconcile that follows clears the slot (the credential is no longer wanted).
            Record("credential_used_up", new JsonObject { ["credentialId"] = credential.Id, ["slot"] = slot, ["lockId"] = LockId });
        }
    }

    private void OnWrongCode(DateTimeOffset now)
    {
        if (disabledUntil is { } until && now < until)
        {
            return; // Already cooling down: every code is refused, none of them counts.
        }

        var set = store.Current;
        var limit = set?.WrongCodeLimit ?? CredentialSet.DefaultWrongCodeLimit;
        wrongCodes.Add(now);
        wrongCodes.RemoveAll(t => t <= now - WrongCodeWindow);
        if (wrongCodes.Count >= limit)
        {
            var next = now + TimeSpan.FromSeconds(set?.DisableSeconds ?? CredentialSet.DefaultDisableSeconds);
            disabledUntil = next;
            wrongCodes.Clear();
            store.SetValue(DisabledUntilKey, next.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
            LogKeypadDisabled(logger, limit, next);
            Record("keypad_disabled", new JsonObject { ["until"] = Iso(next), ["lockId"] = LockId });
            Alarm("wrong_code_limit");
        }

        store.SetValue(WrongCodesKey, string.Join(',', wrongCodes.Select(t => t.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture))));
    }

    private async Task ReconcileAsync(DateTimeOffset now, CancellationToken ct)
    {
        var set = store.Current;
        if (disabledUntil is { } until && now >= until)
        {
            disabledUntil = null;
            store.SetValue(DisabledUntilKey, null);
            Record("keypad_enabled", new JsonObject { ["until"] = Iso(until), ["lockId"] = LockId });
        }

        var online = Online;
        if (online && !wasOnline)
        {
            needSweep = true;
        }

        wasOnline = online;
        if (!online)
        {
            foreach (var row in slots.Values)
            {
                row.OnLock = false;
            }
        }

        // What the lock should hold: every credential not spent and whose window has not ended for good.
        var desired = new Dictionary<string, HubCredential>(StringComparer.Ordinal);
        foreach (var credential in set?.Credentials ?? [])
        {
            if (!credential.IsSpent(Used(credential)) && !(credential.WindowEnd is { } end && now >= end))
            {
                desired[credential.Id] = credential;
            }
        }

        var tableChanged = false;
        var toClear = new List<int>();
        foreach (var row in slots.Values.ToList())
        {
            if (!desired.TryGetValue(row.CredentialId, out var credential))
            {
                slots.Remove(row.Slot);
                toClear.Add(row.Slot);
                tableChanged = true;
            }
            else if (Hash(credential.Code) is var hash && hash != row.CodeHash)
            {
                row.CodeHash = hash;
                row.OnLock = false;
                tableChanged = true;
            }
        }

        var assigned = slots.Values.Select(r => r.CredentialId).ToHashSet(StringComparer.Ordinal);
        foreach (var credential in desired.Values.Where(c => !assigned.Contains(c.Id)))
        {
            var free = Enumerable.Range(1, MaxSlot).First(s => !slots.ContainsKey(s)); // ≤ 29 credentials, so one is free
            slots[free] = new Row(free, credential.Id, Hash(credential.Code));
            tableChanged = true;
        }

        if (tableChanged)
        {
            store.SaveSlots(slots.Values.Select(r => new SlotAssignment(r.Slot, r.CredentialId, r.CodeHash)));
        }

        if (online)
        {
            await ProgramAsync(set, desired, toClear, now, ct);
        }

        EmitTable(set);
    }

    private async Task ProgramAsync(CredentialSet? set, Dictionary<string, HubCredential> desired, List<int> toClear, DateTimeOffset now, CancellationToken ct)
    {
        var lockout = set?.LockoutAt(now) == true;
        var keypadOff = disabledUntil is not null;
        try
        {
            if (needSweep)
            {
                // The lock may hold stale codes (database lost, changes missed while offline): clear every managed slot
                // not in the table, then program the table from scratch. Clears go first: a lock refuses a code that
                // another slot still holds.
                var cleared = 0;
                for (var slot = 1; slot <= MaxSlot; slot++)
                {
                    if (!slots.ContainsKey(slot))
                    {
                        await ClearAsync(slot, ct);
                        cleared++;
                    }
                }

                foreach (var row in slots.Values)
                {
                    row.OnLock = false;
                }

                needSweep = false;
                LogSwept(logger, cleared, slots.Count);
            }
            else
            {
                foreach (var slot in toClear.Where(s => !slots.ContainsKey(s)))
                {
                    await ClearAsync(slot, ct);
                }
            }

            foreach (var row in slots.Values)
            {
                var credential = desired[row.CredentialId];
                var enabled = !lockout && !keypadOff && credential.Schedule.IsOpenAt(now, set!.Zone);
                if (!row.OnLock)
                {
                    await SendAsync(new JsonObject
                    {
                        ["pin_code"] = new JsonObject
                        {
                            ["user"] = row.Slot,
                            ["user_type"] = "unrestricted",
                            ["user_enabled"] = enabled,
                            ["pin_code"] = credential.Code,
                        },
                    }, ct);
                    if (!enabled)
                    {
                        // Locks that ignore user_enabled on SetPinCode still get the status explicitly.
                        await SendStatusAsync(row.Slot, enabled: false, ct);
                    }

                    row.OnLock = true;
                    row.Enabled = enabled;
                    LogProgrammed(logger, row.Slot, row.CredentialId, enabled);
                }
                else if (row.Enabled != enabled)
                {
                    await SendStatusAsync(row.Slot, enabled, ct);
                    row.Enabled = enabled;
                    LogStatus(logger, row.Slot, row.CredentialId, enabled);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Try again on the next tick, from scratch.
            LogSendFailed(logger, e.Message);
            needSweep = true;
            foreach (var row in slots.Values)
            {
                row.OnLock = false;
            }
        }
    }

    private Task ClearAsync(int slot, CancellationToken ct) =>
        SendAsync(new JsonObject { ["pin_code"] = new JsonObject { ["user"] = slot, ["pin_code"] = null } }, ct);

    private Task SendStatusAsync(int slot, bool enabled, CancellationToken ct) =>
        SendAsync(new JsonObject { ["user_status"] = new JsonObject { ["user"] = slot, ["status"] = enabled ? "enabled" : "disabled" } }, ct);

    private Task SendAsync(JsonObject body, CancellationToken ct) => zigbee.SendToLockAsync(body.ToJsonString(), ct);

    private void EmitTable(CredentialSet? set)
    {
        if (!connected || (set is null && slots.Count == 0 && lastTable is null))
        {
            // Before the first connection every slot is "pending" only because the hub just started.
            return;
        }

        var list = new JsonArray();
        foreach (var row in slots.Values)
        {
            list.Add(new JsonObject { ["slot"] = row.Slot, ["credentialId"] = row.CredentialId, ["state"] = row.State });
        }

        var body = new JsonObject { ["version"] = set?.Version ?? 0, ["slots"] = list };
        var json = body.ToJsonString();
        if (json == lastTable)
        {
            return;
        }

        lastTable = json;
        store.SetValue(LastTableKey, json);
        body["lockId"] = LockId;
        Record("slot_table", body);
    }

    private void Alarm(string alarm, JsonObject? extra = null)
    {
        var fields = new JsonObject { ["alarm"] = alarm, ["lockId"] = LockId };
        foreach (var (name, value) in extra ?? [])
        {
            fields[name] = value?.DeepClone();
        }

        LogAlarm(logger, alarm);
        Record("alarm", fields);
    }

    private void Record(string type, JsonObject fields) => outbox.Append(type, fields);

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static string Hash(string code) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(code)));

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record SetChanged;

    private sealed class Row(int slot, string credentialId, string codeHash)
    {
        public int Slot { get; } = slot;

        public string CredentialId { get; } = credentialId;

        public string CodeHash { get; set; } = codeHash;

        /// <summary>Programmed on the lock with this code since the last sweep.</summary>
        public bool OnLock { get; set; }

        /// <summary>The user status last sent.</summary>
        public bool Enabled { get; set; }

        public string State => !OnLock ? "pending" : Enabled ? "programmed" : "disabled";
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Slot manager failed handling {Message}")]
    private static partial void LogHandlerFailed(ILogger logger, string message, Exception e);

    [LoggerMessage(Level = LogLevel.Information, Message = "Lock slots re-synced: {Cleared} cleared, {Kept} to program")]
    private static partial void LogSwept(ILogger logger, int cleared, int kept);

    [LoggerMessage(Level = LogLevel.Information, Message = "Slot {Slot} programmed for credential {CredentialId} (enabled: {Enabled})")]
    private static partial void LogProgrammed(ILogger logger, int slot, string credentialId, bool enabled);

    [LoggerMessage(Level = LogLevel.Information, Message = "Slot {Slot} of credential {CredentialId} enabled: {Enabled}")]
    private static partial void LogStatus(ILogger logger, int slot, string credentialId, bool enabled);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not program the lock: {Error}; retrying")]
    private static partial void LogSendFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Keypad unlock with slot {Slot}, which the hub does not manage")]
    private static partial void LogUnknownUser(ILogger logger, int? slot);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Keypad entry with credential {CredentialId} (slot {Slot}) was not allowed ({Reason}): relocking")]
    private static partial void LogEntryRefused(ILogger logger, string credentialId, int slot, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Wrong-code limit ({Limit}) reached: keypad disabled until {Until}")]
    private static partial void LogKeypadDisabled(ILogger logger, int limit, DateTimeOffset until);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ALARM {Alarm}")]
    private static partial void LogAlarm(ILogger logger, string alarm);
}
