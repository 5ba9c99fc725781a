namespace Threshold.Domain.Audit;

/// <summary>
/// One link of a home's audit hash chain. <see cref="Data"/> is compact JSON text and must be
/// stored byte-exact: the hash covers its UTF-8 bytes, so re-serialising it breaks the chain.
/// </summary>
public sealed record AuditRecord(
    Guid HomeId, long Seq, DateTimeOffset At, string Type, string Actor, string Data, string PrevHash, string Hash);

/// <summary>
/// Result of <see cref="AuditChain.Verify"/>. <see cref="Count"/> is the number of records that
/// verified before the first break (all of them when <see cref="Ok"/>); <see cref="Problem"/> is one
/// of <see cref="AuditProblems"/>.
/// </summary>
public sealed record AuditVerification(bool Ok, int Count, long? FirstBrokenSeq, string? Problem);

/// <summary>Machine-readable <see cref="AuditVerification.Problem"/> values.</summary>
public static class AuditProblems
{
    /// <summary>A field was altered: the stored hash does not match the record's content.</summary>
    public const string HashMismatch = "hash_mismatch";

    /// <summary>PrevHash does not name the preceding record.</summary>
    public const string PrevHashMismatch = "prev_hash_mismatch";

    /// <summary>The first record does not link to <see cref="AuditChain.GenesisHash"/>.</summary>
    public const string NotLinkedToGenesis = "not_linked_to_genesis";

    /// <summary>A sequence number is missing (a record was deleted).</summary>
    public const string SeqGap = "seq_gap";

    /// <summary>Sequence numbers go backwards, repeat, or a missing one appears later in the list.</summary>
    public const string SeqOutOfOrder = "seq_out_of_order";

    /// <summary>Records of another home are mixed into the chain.</summary>
    public const string MixedHomes = "mixed_homes";
}
