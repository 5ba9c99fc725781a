using System.Security.Cryptography;
using System.Text;
using Threshold.Hub.Zigbee;
using Threshold.Protocol.Events;

namespace Threshold.Hub.Keypad;

/// <summary>A code the lock should hold now (<see cref="WantedCodes"/>), and whether it should open the door now.</summary>
internal sealed record WantedCode(string CredentialId, string Code, bool Enabled)
{
    public override string ToString() => $"WantedCode {{ CredentialId = {CredentialId}, Enabled = {Enabled} }}"; // never the code
}

/// <summary>A durable slot assignment: slot N of the lock holds the credential with this id and code (hashed).</summary>
internal sealed record SlotAssignment(int Slot, string CredentialId, string CodeHash);

/// <summary>A slot as the table reports it; <see cref="State"/> is one of <see cref="SlotStates"/>.</summary>
internal sealed record SlotView(int Slot, string CredentialId, string State);

/// <summary>
/// What one step of the plan sends: every command in order, and whether the assignments changed (to be stored).
/// <see cref="Swept"/>: the step starts with a sweep clearing that many unassigned slots.
/// </summary>
internal sealed record SlotStep(bool AssignmentsChanged, IReadOnlyList<LockCommand> Commands, int? Swept);

/// <summary>
/// The lock's PIN slots 1..29 as the hub manages them (docs/hub-protocol.md "Credentials on the hub"), without I/O:
/// from the wanted codes, the slot table, the lock's reachability and its answers to the zigbee commands to send.
/// A credential keeps its slot while it is wanted. A sweep (at start, when the lock or broker comes back, after a failed
/// send, on a stale code) clears every slot not in the table and programs the table from scratch: the lock may hold
/// codes the hub no longer knows of. Clears go first: a lock refuses a code that another slot still holds.
/// </summary>
internal sealed class SlotPlan
{
    public const int MaxSlot = 29;

    private readonly SortedDictionary<int, Row> rows = [];
    private readonly SlotConfirmations confirmations = new();
    private bool needSweep = true;
    private bool wasOnline;

    public SlotPlan(IEnumerable<SlotAssignment> stored)
    {
        foreach (var row in stored)
        {
            if (row.Slot is >= 1 and <= MaxSlot)
            {
                rows[row.Slot] = new Row(row.Slot, row.CredentialId, row.CodeHash);
            }
        }
    }

    public IReadOnlyList<SlotAssignment> Assignments => [.. rows.Values.Select(r => new SlotAssignment(r.Slot, r.CredentialId, r.CodeHash))];

    public IReadOnlyList<SlotView> Slots => [.. rows.Values.Select(View)];

    public SlotView? Find(int slot) => rows.TryGetValue(slot, out var row) ? View(row) : null;

    /// <summary>
    /// The lock holds this slot's code: it was sent since the last sweep and every set sent to the slot number is
    /// answered. Until then the slot may still hold its previous code, so an entry through it is nobody's.
    /// </summary>
    public bool IsConfirmed(int slot) => rows.TryGetValue(slot, out var row) && Confirmed(row);

    public void RequireSweep() => needSweep = true;

    /// <summary>
    /// Assigns slots to <paramref name="wanted"/> (in its order, each new one to the lowest free slot) and says what to
    /// send: nothing while the lock is unreachable (every slot then counts as not on the lock, and its return sweeps).
    /// </summary>
    public SlotStep Next(IReadOnlyList<WantedCode> wanted, bool online)
    {
        if (online && !wasOnline)
        {
            needSweep = true;
        }

        wasOnline = online;
        if (!online)
        {
            ForgetLock();
        }

        var byId = wanted.ToDictionary(w => w.CredentialId, StringComparer.Ordinal);
        var changed = false;
        var toClear = new List<int>();
        foreach (var row in rows.Values.ToList())
        {
            if (!byId.TryGetValue(row.CredentialId, out var code))
            {
                rows.Remove(row.Slot);
                toClear.Add(row.Slot);
                changed = true;
            }
            else if (Hash(code.Code) is var hash && hash != row.CodeHash)
            {
                row.CodeHash = hash;
                row.OnLock = false;
                changed = true;
            }
        }

        var assigned = rows.Values.Select(r => r.CredentialId).ToHashSet(StringComparer.Ordinal);
        foreach (var code in wanted.Where(w => !assigned.Contains(w.CredentialId)))
        {
            var free = Enumerable.Range(1, MaxSlot).First(s => !rows.ContainsKey(s)); // ≤ 29 credentials, so one is free
            rows[free] = new Row(free, code.CredentialId, Hash(code.Code));
            changed = true;
        }

        return online ? Program(byId, toClear, changed) : new SlotStep(changed, [], null);
    }

    /// <summary>A command of the step reached the broker: the table now counts on it.</summary>
    public void Sent(LockCommand command, DateTimeOffset now)
    {
        switch (command)
        {
            case SetPin pin when rows.TryGetValue(pin.Slot, out var row):
                row.OnLock = true;
                row.Enabled = pin.Enabled;
                confirmations.Sent(pin.Slot, now);
                break;
            case SetUserStatus status when rows.TryGetValue(status.Slot, out var row):
                row.Enabled = status.Enabled;
                break;
        }
    }

    /// <summary>A send failed: what reached the lock is unknown, so the next step starts from a sweep.</summary>
    public void SendFailed()
    {
        needSweep = true;
        ForgetLock();
    }

    /// <summary>The lock answered a set to <paramref name="slot"/>; true when that confirms the slot.</summary>
    public bool Answered(int slot) => confirmations.Answer(slot) && IsConfirmed(slot);

    /// <summary>A set the lock never answered (refused, or the answer lost) is sent again rather than left pending.</summary>
    public void ResendUnanswered(DateTimeOffset now)
    {
        foreach (var slot in confirmations.TakeOverdue(now))
        {
            if (rows.TryGetValue(slot, out var row))
            {
                row.OnLock = false;
            }
        }
    }

    private SlotStep Program(Dictionary<string, WantedCode> wanted, List<int> toClear, bool changed)
    {
        var commands = new List<LockCommand>();
        int? swept = null;
        if (needSweep)
        {
            for (var slot = 1; slot <= MaxSlot; slot++)
            {
                if (!rows.ContainsKey(slot))
                {
                    commands.Add(new ClearPin(slot));
                }
            }

            ForgetLock();
            // Sets sent before a sweep went to a lock that was away or stale and are re-sent now; an answer still
            // owed for them would keep a slot pending until the answer horizon.
            confirmations.Forget();
            needSweep = false;
            swept = commands.Count;
        }
        else
        {
            commands.AddRange(toClear.Where(s => !rows.ContainsKey(s)).Select(s => new ClearPin(s)));
        }

        foreach (var row in rows.Values)
        {
            var code = wanted[row.CredentialId];
            if (!row.OnLock)
            {
                commands.Add(new SetPin(row.Slot, code.Code, code.Enabled));
                if (!code.Enabled)
                {
                    // Locks that ignore user_enabled on SetPinCode still get the status explicitly.
                    commands.Add(new SetUserStatus(row.Slot, Enabled: false));
                }
            }
            else if (row.Enabled != code.Enabled)
            {
                commands.Add(new SetUserStatus(row.Slot, code.Enabled));
            }
        }

        return new SlotStep(changed, commands, swept);
    }

    private void ForgetLock()
    {
        foreach (var row in rows.Values)
        {
            row.OnLock = false;
        }
    }

    private bool Confirmed(Row row) => row.OnLock && confirmations.AllAnswered(row.Slot);

    private SlotView View(Row row) => new(row.Slot, row.CredentialId, !Confirmed(row) ? SlotStates.Pending : row.Enabled ? SlotStates.Programmed : SlotStates.Disabled);

    private static string Hash(string code) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(code)));

    private sealed class Row(int slot, string credentialId, string codeHash)
    {
        public int Slot { get; } = slot;

        public string CredentialId { get; } = credentialId;

        public string CodeHash { get; set; } = codeHash;

        /// <summary>Sent to the lock with this code since the last sweep (whether the lock has it: <see cref="Confirmed"/>).</summary>
        public bool OnLock { get; set; }

        /// <summary>The user status last sent.</summary>
        public bool Enabled { get; set; }
    }
}
