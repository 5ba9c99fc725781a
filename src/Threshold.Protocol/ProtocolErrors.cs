namespace Threshold.Protocol;

/// <summary>
/// Every refusal code of the hub contract, in one place: what verifiers report and <see cref="ProtocolException"/>
/// carries, what a hub puts in <c>reply.error</c> and <c>command_refused.error</c> (docs/hub-protocol.md "Commands"),
/// and the outcomes the server's link reports for a command that got no usable reply.
/// </summary>
public static class ProtocolErrors
{
    // Verifier codes (CommandVerifier, BatchVerifier, KeyEncoding, Sealer).
    public const string Malformed = "malformed";
    public const string AlgNotAllowed = "alg_not_allowed";
    public const string WrongType = "wrong_type";
    public const string UnknownKid = "unknown_kid";
    public const string BadSignature = "bad_signature";
    public const string WrongIssuer = "wrong_issuer";
    public const string WrongAudience = "wrong_audience";
    public const string WrongHub = "wrong_hub";
    public const string Expired = "expired";
    public const string NotYetValid = "not_yet_valid";
    public const string LifetimeTooLong = "lifetime_too_long";
    public const string InvalidKey = "invalid_key";
    public const string SealInvalid = "seal_invalid";

    // A hub's refusals of a command whose token verified.

    /// <summary>The jti was seen before: a command is carried out at most once.</summary>
    public const string Replayed = "replayed";

    /// <summary><c>sub</c> is not a device this hub drives.</summary>
    public const string UnknownDevice = "unknown_device";

    /// <summary>The lock (or its bridge) is offline, or the command could not be sent to it.</summary>
    public const string DeviceOffline = "device_offline";

    /// <summary>The lock did not reach the commanded state within the hub's timeout.</summary>
    public const string ActuationFailed = "actuation_failed";

    /// <summary>The bolt jammed (or did not fully lock).</summary>
    public const string Jammed = "jammed";

    /// <summary>A credential set whose version is not newer than the stored one (nothing changed).</summary>
    public const string StaleVersion = "stale_version";

    /// <summary>Lockout is active on the hub: only residents may open (docs/hub-protocol.md "Credentials on the hub").</summary>
    public const string LockoutActive = "lockout_active";

    /// <summary>A <c>rotate_key</c> the hub verified but could not store durably; it still trusts the keys it had.</summary>
    public const string KeyNotStored = "key_not_stored";

    // Set by the server's side of the link, never sent by a hub.

    /// <summary>No reply arrived within the server's command timeout.</summary>
    public const string ReplyTimeout = "timeout";

    /// <summary>The server has no live link to the home's hub, so nothing was sent.</summary>
    public const string HubOffline = "hub_offline";

    /// <summary>A refusal that came without a usable code.</summary>
    public const string Unknown = "unknown";

    /// <summary>The longest refusal code a reply may carry; longer ones are reported as <see cref="Unknown"/>.</summary>
    public const int MaxCodeLength = 64;
}
