using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Threshold.Domain.Audit;

/// <summary>
/// Per-home hash chain: each record's hash covers its fields and the previous record's hash, so
/// altering, deleting, inserting or reordering any record is detectable (DESIGN.md §8, invariant 3).
/// </summary>
public static class AuditChain
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>
    /// Lowercase hex SHA-256. Each field is written as a 4-byte big-endian length followed by its
    /// UTF-8 bytes, so no choice of field contents can make two different records encode the same
    /// (plain concatenation would let "ab"+"c" collide with "a"+"bc"). The home id is "D" format,
    /// seq is decimal and the time is UtcTicks in decimal, so the offset a database hands back
    /// does not matter — only the instant.
    /// </summary>
    public static string ComputeHash(
        Guid homeId, long seq, DateTimeOffset at, string type, string actor, string data, string prevHash)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(prevHash);

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(sha, homeId.ToString("D"));
        Append(sha, seq.ToString(CultureInfo.InvariantCulture));
        Append(sha, at.UtcTicks.ToString(CultureInfo.InvariantCulture));
        Append(sha, type);
        Append(sha, actor);
        Append(sha, data);
        Append(sha, prevHash);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>
    /// Builds the record that follows <paramref name="previous"/> (or the first, seq 1, when null).
    /// <paramref name="at"/> is normalised to UTC and truncated to whole microseconds so the hash
    /// survives databases that keep only microseconds (e.g. PostgreSQL) or drop the offset.
    /// </summary>
    public static AuditRecord Next(
        AuditRecord? previous, Guid homeId, DateTimeOffset at, string type, string actor, string data)
    {
        if (previous is not null && previous.HomeId != homeId)
        {
            throw new ArgumentException("The previous record belongs to another home.", nameof(previous));
        }

        var seq = previous is null ? 1 : previous.Seq + 1;
        var prevHash = previous?.Hash ?? GenesisHash;
        var ticks = at.UtcTicks;
        var normalized = new DateTimeOffset(ticks - (ticks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
        var hash = ComputeHash(homeId, seq, normalized, type, actor, data, prevHash);
        return new AuditRecord(homeId, seq, normalized, type, actor, data, prevHash, hash);
    }

    /// <summary>
    /// Verifies a whole chain, given in stored order starting at seq 1. Stops at, and names, the
    /// first broken record: the checks run per record in the order home, sequence, link, content.
    /// </summary>
    public static AuditVerification Verify(IEnumerable<AuditRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var list = records.ToList();
        if (list.Any(r => r is null))
        {
            throw new ArgumentException("The chain contains a null record.", nameof(records));
        }

        AuditRecord? previous = null;
        for (var i = 0; i < list.Count; i++)
        {
            var record = list[i];
            var problem = Problem(record, previous, list, i);
            if (problem is not null)
            {
                return new AuditVerification(false, i, record.Seq, problem);
            }

            previous = record;
        }

        return new AuditVerification(true, list.Count, null, null);
    }

    private static string? Problem(AuditRecord record, AuditRecord? previous, List<AuditRecord> list, int index)
    {
        if (previous is not null && record.HomeId != previous.HomeId)
        {
            return AuditProblems.MixedHomes;
        }

        var expectedSeq = previous is null ? 1 : previous.Seq + 1;
        if (record.Seq < expectedSeq)
        {
            return AuditProblems.SeqOutOfOrder;
        }

        if (record.Seq > expectedSeq)
        {
            // The expected record turning up later means the list was shuffled, not truncated.
            var turnsUpLater = list.Skip(index + 1).Any(r => r.Seq == expectedSeq);
            return turnsUpLater ? AuditProblems.SeqOutOfOrder : AuditProblems.SeqGap;
        }

        if (previous is null && !string.Equals(record.PrevHash, GenesisHash, StringComparison.Ordinal))
        {
            return AuditProblems.NotLinkedToGenesis;
        }

        if (previous is not null && !string.Equals(record.PrevHash, previous.Hash, StringComparison.Ordinal))
        {
            return AuditProblems.PrevHashMismatch;
        }

        // Imported (e.g. exported-then-edited) records may carry nulls; that is tampering, not a crash.
        if (record.Type is null || record.Actor is null || record.Data is null || record.PrevHash is null)
        {
            return AuditProblems.HashMismatch;
        }

        var expectedHash = ComputeHash(record.HomeId, record.Seq, record.At, record.Type, record.Actor, record.Data, record.PrevHash);
        return string.Equals(record.Hash, expectedHash, StringComparison.Ordinal) ? null : AuditProblems.HashMismatch;
    }

    private static void Append(IncrementalHash sha, string field)
    {
        var bytes = Encoding.UTF8.GetBytes(field);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        sha.AppendData(length);
        sha.AppendData(bytes);
    }
}
