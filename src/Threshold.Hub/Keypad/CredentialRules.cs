using Threshold.Protocol.Credentials;

namespace Threshold.Hub.Keypad;

/// <summary>
/// How the keypad reads a credential of the set (Protocol's <see cref="CredentialDocument"/>; docs/hub-protocol.md
/// "Credentials on the hub"): single use, entry limits, the end of a bounded window, whether its schedule is open.
/// </summary>
internal static class CredentialRules
{
    /// <summary><c>once</c> and <c>delivery</c> credentials open the door once.</summary>
    public static bool IsSingleUse(this CredentialDocument credential) =>
        credential.Kind == CredentialKinds.Delivery || credential.Schedule is OnceScheduleDocument;

    /// <summary>True when <paramref name="used"/> keypad entries exhaust the credential.</summary>
    public static bool IsSpent(this CredentialDocument credential, int used) =>
        credential.IsSingleUse() ? used >= 1 : credential.MaxEntries is { } max && used >= max;

    /// <summary>The bounded window (temporary, once) has ended for good; always/recurring never end.</summary>
    public static bool HasEnded(this CredentialDocument credential, DateTimeOffset now) => credential.Schedule switch
    {
        OnceScheduleDocument once => now >= once.To,
        TemporaryScheduleDocument temporary => now >= temporary.To,
        _ => false,
    };

    /// <summary>Open at <paramref name="now"/> on the home's wall clock (windows start-inclusive, end-exclusive).</summary>
    public static bool IsOpenAt(this CredentialDocument credential, DateTimeOffset now, TimeZoneInfo zone) =>
        credential.Schedule.ToSchedule().IsOpenAt(now, zone);

    public static CredentialDocument? Find(this CredentialSetDocument set, string id) => set.Credentials.FirstOrDefault(c => c.Id == id);
}
