using Threshold.Protocol.Topics;

namespace Threshold.Server.Hubs;

/// <summary>A paired hub: its public keys, its MQTT identity and what it last reported.</summary>
internal sealed class Hub
{
    private Hub()
    {
    }

    private static readonly TimeSpan SeenRefresh = TimeSpan.FromMinutes(1);

    public Guid Id { get; private set; }
    public Guid HomeId { get; private set; }
    public string Name { get; private set; } = "";
    public string SigningKey { get; private set; } = "";
    public string SealingKey { get; private set; } = "";
    public string MqttPasswordHash { get; private set; } = "";
    public DateTimeOffset PairedAt { get; private set; }

    /// <summary>Highest event batch applied; batches at or below it are duplicates.</summary>
    public long LastSeq { get; private set; }

    /// <summary>
    /// The kid of the server command key this hub trusts: its commands are signed with that key. Empty for a hub paired
    /// before keys were tracked, which pinned the server's only key (<see cref="AdoptUntrackedKey"/>).
    /// </summary>
    public string TrustedKid { get; private set; } = "";

    /// <summary>The server key this hub is being sent (<c>rotate_key</c>, Hubs/KeyRotation.cs) and has not accepted yet.</summary>
    public string? PendingKid { get; private set; }

    public bool Online { get; private set; }
    public bool CameraLive { get; private set; }
    public DateTimeOffset? LastSeenAt { get; private set; }

    public string MqttUsername => HubIds.MqttUser(Id);

    public static Hub Pair(Guid homeId, string name, string signingKey, string sealingKey, string mqttPasswordHash, string serverKid, DateTimeOffset now) => new()
    {
        TrustedKid = serverKid,
        Id = Guid.CreateVersion7(now),
        HomeId = homeId,
        Name = name,
        SigningKey = signingKey,
        SealingKey = sealingKey,
        MqttPasswordHash = mqttPasswordHash,
        PairedAt = now,
    };

    /// <summary>A hub paired before keys were tracked pinned <paramref name="currentKid"/>, the server's only key then.</summary>
    public void AdoptUntrackedKey(string currentKid)
    {
        if (TrustedKid.Length == 0)
        {
            TrustedKid = currentKid;
        }
    }

    /// <summary>
    /// The server's key is now <paramref name="kid"/>: this hub is to be sent it (signed with the key it trusts) unless it
    /// trusts it already. False when nothing changed.
    /// </summary>
    public bool RotateTo(string kid)
    {
        var pending = TrustedKid == kid ? null : kid;
        if (PendingKid == pending)
        {
            return false;
        }

        PendingKid = pending;
        return true;
    }

    /// <summary>The hub confirmed it trusts <paramref name="kid"/> alone now; false (nothing changes) unless that is the key it was sent.</summary>
    public bool KeyAccepted(string kid)
    {
        if (PendingKid != kid)
        {
            return false;
        }

        TrustedKid = kid;
        PendingKid = null;
        return true;
    }

    public bool IsNextBatch(long seq) => seq == LastSeq + 1;

    public void BatchApplied(long seq, DateTimeOffset now)
    {
        LastSeq = seq;
        LastSeenAt = now;
    }

    /// <summary>Whether a state report says something new: liveness or camera changed, or last seen a while ago.</summary>
    public bool ChangedBy(bool online, bool cameraLive, DateTimeOffset now) =>
        online != Online || cameraLive != CameraLive || LastSeenAt is not { } seen || now - seen >= SeenRefresh;

    public void Reported(bool online, bool cameraLive, DateTimeOffset now)
    {
        Online = online;
        CameraLive = cameraLive;
        LastSeenAt = now;
    }
}

/// <summary>A one-time code an owner hands to a new hub; only its hash is stored.</summary>
internal sealed class PairingCode
{
    public Guid Id { get; set; }
    public Guid HomeId { get; set; }
    public string CodeHash { get; set; } = "";
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
}
