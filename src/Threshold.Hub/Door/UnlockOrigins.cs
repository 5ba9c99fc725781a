using Threshold.Hub.Keypad;
using Threshold.Hub.Zigbee;
using Threshold.Protocol.Events;

namespace Threshold.Hub.Door;

internal enum UnlockVerdict
{
    /// <summary>The hub's own unlock (pending, or the lock's late report of one it sent).</summary>
    Commanded,

    /// <summary>A code typed at the lock: the keypad room judges it (<c>Keypad/KeypadLoop.cs</c>).</summary>
    Keypad,

    /// <summary>Thumb-turn or key.</summary>
    Manual,

    /// <summary>Thumb-turn or key while lockout holds.</summary>
    ManualDuringLockout,

    /// <summary>A radio command the hub did not send, the lock's own schedule, or no source at all.</summary>
    NotCommanded,
}

/// <summary>
/// Who opened the bolt, as far as the hub can tell. zigbee2mqtt reports every radio command as <c>rf</c>, the hub's and
/// anyone else's on the home broker alike, so an <c>rf</c> unlock counts as the hub's only while its own unlock is
/// pending or while one it sent has not been reported back yet: each UNLOCK it sent vouches for one <c>rf</c> unlock
/// report, until the bolt is locked again or that unlock failed.
/// </summary>
internal sealed class UnlockOrigins(KeypadStore keypad, TimeProvider time)
{
    private int unreported;

    /// <summary>The hub sent the lock an UNLOCK (and the send went out).</summary>
    public void Sent() => unreported++;

    /// <summary>The bolt is locked, or the hub gave up on its unlock: nothing it sent vouches for a later report.</summary>
    public void Forget() => unreported = 0;

    /// <summary>Judges an unlock report; <paramref name="pending"/>: the hub's own unlock is under way.</summary>
    public UnlockVerdict Judge(LockReport report, bool pending)
    {
        var rf = report.Action is not null && report.ActionSource == "rf";
        if (rf && unreported > 0)
        {
            unreported--;
            return UnlockVerdict.Commanded;
        }

        if (pending && !rf)
        {
            // The state before the operation event: the bolt moved while the hub's UNLOCK was on its way.
            return UnlockVerdict.Commanded;
        }

        return report.Source switch
        {
            BoltSources.Keypad => UnlockVerdict.Keypad,
            BoltSources.Manual when keypad.LockoutAt(time.GetUtcNow()) => UnlockVerdict.ManualDuringLockout,
            BoltSources.Manual => UnlockVerdict.Manual,
            _ => UnlockVerdict.NotCommanded,
        };
    }
}
