using Threshold.Domain.Audit;

namespace Threshold.Server.Audit;

/// <summary>One stored link of a home's audit hash chain.</summary>
internal sealed class AuditEntry
{
    private AuditEntry()
    {
    }

    public Guid HomeId { get; private set; }
    public long Seq { get; private set; }
    public DateTimeOffset At { get; private set; }
    public string Type { get; private set; } = "";
    public string Actor { get; private set; } = "";
    public string Data { get; private set; } = "{}";
    public string PrevHash { get; private set; } = "";
    public string Hash { get; private set; } = "";

    public static AuditEntry From(AuditRecord r) => new()
    {
        HomeId = r.HomeId,
        Seq = r.Seq,
        At = r.At,
        Type = r.Type,
        Actor = r.Actor,
        Data = r.Data,
        PrevHash = r.PrevHash,
        Hash = r.Hash,
    };

    public AuditRecord ToRecord() => new(HomeId, Seq, At, Type, Actor, Data, PrevHash, Hash);
}
