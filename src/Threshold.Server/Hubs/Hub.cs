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

    public bool Online { get; private set; }
    public bool CameraLive { get; private set; }
    public DateTimeOffset? LastSeenAt { get; private set; }

    public string MqttUsername => HubIds.MqttUser(Id);

    public static Hub Pair(Guid homeId, string name, string signingKey, string sealingKey, string mqttPasswordHash, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        HomeId = homeId,
        Name = name,
        SigningKey = signingKey,
        SealingKey = sealingKey,
        MqttPasswordHash = mqttPasswordHash,
        PairedAt = now,
    };

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
