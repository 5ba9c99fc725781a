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
                    processed, now, store.Current?.Version ?? 0, [.. slots.Values.Select(r => new SlotView(r.Slot, r.CredentialId, StateOf(r)))], wrongCodes.Count, disabledUntil);
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
                ResendUnanswered(now);
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
            case LockReport { Action: "pin_code_added" or "pin_code_changed", ActionSource: "rf", ActionUser: { } user }:
                OnSetAnswered(user);
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

        if (!Confirmed(row))
        {
            // The lock has not confirmed this slot's new code: the code typed may be the one it replaced (a revoked
            // guest's). Attribute it to nobody, count nothing, and relock (fail secure).
            LogUnconfirmed(logger, slot, row.CredentialId);
            controller.RelockNow("keypad_unconfirmed_slot");
            Alarm("keypad_unconfirmed_slot", new JsonObject { ["slot"] = slot });
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

    private void Alarm(string alarm, JsonObject? extra = null) => outbox.Alarm(alarm, LockId, extra);

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

        /// <summary>Sent to the lock with this code since the last sweep (whether the lock has it: <c>Confirmed</c>).</summary>
        public bool OnLock { get; set; }


        /// <summary>The user status last sent.</summary>
        public bool Enabled { get; set; }

    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Slot manager failed handling {Message}")]
    private static partial void LogHandlerFailed(ILogger logger, string message, Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Keypad unlock with slot {Slot}, which the hub does not manage")]
    private static partial void LogUnknownUser(ILogger logger, int? slot);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Keypad unlock through slot {Slot} before the lock confirmed its code for credential {CredentialId}: relocking")]
    private static partial void LogUnconfirmed(ILogger logger, int slot, string credentialId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Keypad entry with credential {CredentialId} (slot {Slot}) was not allowed ({Reason}): relocking")]
    private static partial void LogEntryRefused(ILogger logger, string credentialId, int slot, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Wrong-code limit ({Limit}) reached: keypad disabled until {Until}")]
    private static partial void LogKeypadDisabled(ILogger logger, int limit, DateTimeOffset until);
}
