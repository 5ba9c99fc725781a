using Threshold.Protocol.Credentials;

namespace Threshold.Hub.Keypad;

/// <summary>What the lock should hold, from the stored set, the hub-side entry counts and the cool-down, at one instant.</summary>
internal static class WantedCodes
{
    /// <summary>
    /// Every credential not used up and whose window has not ended for good, in the set's order; enabled while its
    /// schedule is open in the home's zone and neither a lockout nor the wrong-code cool-down holds.
    /// </summary>
    public static IReadOnlyList<WantedCode> At(DateTimeOffset now, CredentialSetDocument? set, Func<CredentialDocument, int> used, bool keypadDisabled)
    {
        if (set is null)
        {
            return [];
        }

        var lockout = set.Lockout.ActiveAt(now);
        var zone = CredentialSetJson.Zone(set);
        return
        [
            .. set.Credentials
                .Where(c => !c.IsSpent(used(c)) && !c.HasEnded(now))
                .Select(c => new WantedCode(c.Id, c.Code, !lockout && !keypadDisabled && c.IsOpenAt(now, zone))),
        ];
    }
}
