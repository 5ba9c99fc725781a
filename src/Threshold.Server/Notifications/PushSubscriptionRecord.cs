namespace Threshold.Server.Notifications;

/// <summary>One browser's push subscription for one person (RFC 8030): where to send, and the keys to encrypt for it.</summary>
internal sealed class PushSubscriptionRecord
{
    public const int MaxEndpointLength = 2048;

    private PushSubscriptionRecord()
    {
    }

    public Guid Id { get; private set; }
    public Guid UserId { get; private set; }
    public string Endpoint { get; private set; } = "";

    /// <summary>The browser's P-256 public key (uncompressed point, base64url).</summary>
    public string P256dh { get; private set; } = "";

    /// <summary>The browser's 16-byte authentication secret (base64url).</summary>
    public string Auth { get; private set; } = "";

    public DateTimeOffset CreatedAt { get; private set; }

    public static PushSubscriptionRecord Create(Guid userId, string endpoint, string p256dh, string auth, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        UserId = userId,
        Endpoint = endpoint,
        P256dh = p256dh,
        Auth = auth,
        CreatedAt = now,
    };

    /// <summary>The same browser subscribing again may hand out new keys for the same endpoint.</summary>
    public void Renew(string p256dh, string auth)
    {
        P256dh = p256dh;
        Auth = auth;
    }
}

/// <summary>What one person wants pushed; everything is on until they say otherwise.</summary>
internal sealed class NotificationPreferences
{
    public Guid UserId { get; set; }
    public bool Deliveries { get; set; } = true;
    public bool Entries { get; set; } = true;
    public bool Alarms { get; set; } = true;

    public bool Wants(NotificationCategory category) => category switch
    {
        NotificationCategory.Delivery => Deliveries,
        NotificationCategory.Entry => Entries,
        NotificationCategory.Alarm => Alarms,
        _ => false,
    };
}
