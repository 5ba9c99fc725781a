namespace Threshold.Server.Keypad;

internal enum CredentialKind
{
    Guest,
    Service,
    Delivery,
}

/// <summary>
/// How a grant or a keypad delivery gets in: its keypad code (kept encrypted with the server's
/// data-protection key, because every re-sync sends it to the hub again, sealed), the invited account
/// with app access, and what the hub last reported about its slot.
/// </summary>
internal sealed class Credential
{
    /// <summary>The grant's id, or the delivery's id for a delivery keypad code.</summary>
    public Guid Id { get; set; }
    public Guid HomeId { get; set; }
    public CredentialKind Kind { get; set; }
    public string? ProtectedCode { get; set; }
    public Guid? AppUserId { get; set; }
    public bool Notify { get; set; } = true;
    public bool Film { get; set; } = true;

    /// <summary>on_lock, pending, disabled — from the hub's last slot table; pending until it reports.</summary>
    public string LockState { get; set; } = "pending";

    public bool Active { get; set; } = true;
}
