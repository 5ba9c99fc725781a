using Microsoft.Extensions.Logging;

namespace Threshold.Hub.Credentials;

/// <summary>
/// Which PIN sets the lock has answered. A slot counts as holding its credential's code only once every set sent to
/// that slot number is answered (zigbee2mqtt <c>pin_code_added</c>/<c>_changed</c>, source <c>rf</c>): a late answer
/// to an earlier set, for a code since revoked, must not vouch for the code sent after it.
/// </summary>
internal sealed partial class SlotManager
{
    /// <summary>A lock answers a set within seconds; past this the set is taken as lost and sent again.</summary>
    internal static readonly TimeSpan AnswerHorizon = TimeSpan.FromSeconds(30);

    // Per slot number, not per row: the count must survive the slot passing to another credential.
    private readonly Dictionary<int, Queue<DateTimeOffset>> unanswered = [];

    /// <summary>
    /// The lock holds this row's code: it was sent since the last sweep and every set sent to the slot number is
    /// answered. Until then the slot may still hold its previous code, so an entry through it is nobody's.
    /// </summary>
    private bool Confirmed(Row row) => row.OnLock && (!unanswered.TryGetValue(row.Slot, out var sent) || sent.Count == 0);

    private string StateOf(Row row) => !Confirmed(row) ? "pending" : row.Enabled ? "programmed" : "disabled";

    private void Sent(int slot, DateTimeOffset now)
    {
        if (!unanswered.TryGetValue(slot, out var sent))
        {
            unanswered[slot] = sent = new Queue<DateTimeOffset>();
        }

        sent.Enqueue(now);
    }

    private void OnSetAnswered(int slot)
    {
        if (!unanswered.TryGetValue(slot, out var sent) || sent.Count == 0)
        {
            return; // an answer to nothing we sent (a code added at the lock itself) vouches for nothing
        }

        sent.Dequeue();
        if (slots.TryGetValue(slot, out var row) && Confirmed(row))
        {
            LogConfirmed(logger, slot, row.CredentialId);
        }
    }

    /// <summary>A set the lock never answered (refused, or the answer lost) is sent again rather than left pending.</summary>
    private void ResendUnanswered(DateTimeOffset now)
    {
        foreach (var (slot, sent) in unanswered)
        {
            if (sent.Count > 0 && now - sent.Peek() > AnswerHorizon)
            {
                sent.Clear();
                if (slots.TryGetValue(slot, out var row))
                {
                    row.OnLock = false;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Slot {Slot} confirmed by the lock for credential {CredentialId}")]
    private static partial void LogConfirmed(ILogger logger, int slot, string credentialId);
}
