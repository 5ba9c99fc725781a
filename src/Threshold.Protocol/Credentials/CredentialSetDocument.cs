namespace Threshold.Protocol.Credentials;

/// <summary>
/// The complete set of keypad credentials a hub must hold (docs/hub-protocol.md "Credentials on the hub"), the
/// plaintext of <c>sync_credentials</c>. Read and written only through <see cref="CredentialSetJson"/>, which holds
/// the one validation. Every field is required; <c>lockout.until</c> and <c>maxEntries</c> may be null, never absent,
/// so a field lost on the way cannot quietly mean "no end" or "no limit".
/// </summary>
public sealed record CredentialSetDocument(
    long Version,
    string TimeZone,
    LockoutDocument Lockout,
    KeypadPolicyDocument Keypad,
    IReadOnlyList<CredentialDocument> Credentials)
{
    /// <summary>The lock has 29 user-code slots (1..29).</summary>
    public const int MaxCredentials = 29;

    // Never the codes.
    public override string ToString() => $"CredentialSetDocument {{ Version = {Version}, Credentials = {Credentials.Count} }}";

    public bool Equals(CredentialSetDocument? other) =>
        other is not null && Version == other.Version && TimeZone == other.TimeZone && Lockout == other.Lockout
        && Keypad == other.Keypad && Credentials.SequenceEqual(other.Credentials);

    public override int GetHashCode() => HashCode.Combine(Version, TimeZone, Credentials.Count);
}

/// <summary>Lockout: while <see cref="Active"/> and <see cref="Until"/> is null or in the future, every slot is disabled.</summary>
public sealed record LockoutDocument(bool Active, DateTimeOffset? Until)
{
    public static LockoutDocument None { get; } = new(false, null);

    public bool ActiveAt(DateTimeOffset now) => Active && (Until is null || now < Until);
}

/// <summary>The wrong-code cool-down: after <see cref="WrongCodeLimit"/> wrong codes in 10 minutes, all slots off for <see cref="DisableSeconds"/>.</summary>
public sealed record KeypadPolicyDocument(int WrongCodeLimit, int DisableSeconds)
{
    public const int MaxWrongCodeLimit = 1000;
    public const int MaxDisableSeconds = 7 * 86400;

    public static KeypadPolicyDocument Default { get; } = new(5, 300);
}

/// <summary>One credential: a grant's or a delivery's keypad code with its schedule and entry limit.</summary>
public sealed record CredentialDocument(
    string Id,
    string Kind,
    string Code,
    ScheduleDocument Schedule,
    int? MaxEntries,
    int EntriesUsed)
{
    public const int MaxIdLength = 128;

    // Never the code.
    public override string ToString() => $"CredentialDocument {{ Id = {Id}, Kind = {Kind} }}";
}

/// <summary>Values of <see cref="CredentialDocument.Kind"/>.</summary>
public static class CredentialKinds
{
    public const string Guest = "guest";
    public const string Service = "service";

    /// <summary>A delivery's keypad code: single use.</summary>
    public const string Delivery = "delivery";

    public static IReadOnlyList<string> All { get; } = [Guest, Service, Delivery];
}
