namespace Threshold.Hub.Keypad;

/// <summary>
/// Which PIN sets the lock has answered, per slot number (docs/hub-protocol.md <c>slot_table</c>). A slot counts as
/// holding its code only once every set sent to that number is answered (zigbee2mqtt <c>pin_code_added</c>/<c>_changed</c>,
/// source <c>rf</c>): a late answer to an earlier set, for a code since revoked, must not vouch for the code sent after it.
/// Per slot number, not per credential: the count must survive the slot passing to another credential.
/// </summary>
internal sealed class SlotConfirmations
{
    /// <summary>A lock answers a set within seconds; past this the set is taken as lost and sent again.</summary>
    public static readonly TimeSpan AnswerHorizon = TimeSpan.FromSeconds(30);

    private readonly Dictionary<int, Queue<DateTimeOffset>> unanswered = [];

    public bool AllAnswered(int slot) => !unanswered.TryGetValue(slot, out var sent) || sent.Count == 0;

    public void Sent(int slot, DateTimeOffset at)
    {
        if (!unanswered.TryGetValue(slot, out var sent))
        {
            unanswered[slot] = sent = new Queue<DateTimeOffset>();
        }

        sent.Enqueue(at);
    }

    /// <summary>The lock answered a set to <paramref name="slot"/>; false when nothing was owed (a code added at the lock itself).</summary>
    public bool Answer(int slot)
    {
        if (!unanswered.TryGetValue(slot, out var sent) || sent.Count == 0)
        {
            return false;
        }

        sent.Dequeue();
        return true;
    }

    /// <summary>Forgets the sets owed for longer than the horizon and returns their slots (to be sent again).</summary>
    public List<int> TakeOverdue(DateTimeOffset now)
    {
        var overdue = new List<int>();
        foreach (var (slot, sent) in unanswered)
        {
            if (sent.Count > 0 && now - sent.Peek() > AnswerHorizon)
            {
                sent.Clear();
                overdue.Add(slot);
            }
        }

        return overdue;
    }

    /// <summary>Forgets every answer owed (a sweep re-sends everything to a lock that was away or stale).</summary>
    public void Forget() => unanswered.Clear();
}
