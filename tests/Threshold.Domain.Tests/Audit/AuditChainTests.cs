using Threshold.Domain.Audit;
using static Threshold.Domain.Tests.TestData;

namespace Threshold.Domain.Tests.Audit;

public sealed class AuditChainTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 3, 10, 0, 0, TimeSpan.FromHours(1));

    private static List<AuditRecord> Chain(int length, Guid? home = null)
    {
        var records = new List<AuditRecord>();
        AuditRecord? previous = null;
        for (var i = 0; i < length; i++)
        {
            previous = AuditChain.Next(previous, home ?? Home, Start.AddSeconds(i), "access.decision", "courier:42", $$"""{"n":{{i}}}""");
            records.Add(previous);
        }

        return records;
    }

    [Fact]
    public void GenesisHash_Constant_Is64Zeros()
    {
        Assert.Equal(new string('0', 64), AuditChain.GenesisHash);
    }

    [Fact]
    public void Next_First_StartsAtOneLinkedToGenesis()
    {
        var first = AuditChain.Next(null, Home, Start, "t", "a", "{}");

        Assert.Equal((1L, AuditChain.GenesisHash), (first.Seq, first.PrevHash));
    }

    [Fact]
    public void Next_Following_IncrementsSeqAndLinksPreviousHash()
    {
        var chain = Chain(2);

        Assert.Equal((2L, chain[0].Hash), (chain[1].Seq, chain[1].PrevHash));
    }

    [Fact]
    public void Next_AnyRecord_HashIsLowercaseHexSha256OfFields()
    {
        var r = Chain(1)[0];

        Assert.Matches("^[0-9a-f]{64}$", r.Hash);
        Assert.Equal(AuditChain.ComputeHash(r.HomeId, r.Seq, r.At, r.Type, r.Actor, r.Data, r.PrevHash), r.Hash);
    }

    [Fact]
    public void Next_SubMicrosecondLocalTime_NormalisedToUtcMicroseconds()
    {
        var at = new DateTimeOffset(2026, 3, 3, 10, 0, 0, TimeSpan.FromHours(1)).AddTicks(1234567);

        var r = AuditChain.Next(null, Home, at, "t", "a", "{}");

        Assert.Equal(TimeSpan.Zero, r.At.Offset);
        Assert.Equal(at.AddTicks(-7).UtcTicks, r.At.UtcTicks);
    }

    [Fact]
    public void Next_PreviousFromOtherHome_Throws()
    {
        var other = AuditChain.Next(null, Guid.NewGuid(), Start, "t", "a", "{}");

        Assert.Throws<ArgumentException>(() => AuditChain.Next(other, Home, Start, "t", "a", "{}"));
    }

    [Fact]
    public void ComputeHash_KnownInput_MatchesReferenceEncoding()
    {
        // Reference computed independently (Python hashlib) over the length-prefixed UTF-8 fields.
        var hash = AuditChain.ComputeHash(
            Guid.Parse("33333333-3333-3333-3333-333333333333"), 1, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
            "door.opened", "hub", """{"a":1}""", AuditChain.GenesisHash);

        Assert.Equal("7062e859aa0abe15c0a86e0e1a873cbdfc513234822c3fe00484afe5ddb579cf", hash);
    }

    [Fact]
    public void ComputeHash_FieldBoundaryMoved_DifferentHash()
    {
        var a = AuditChain.ComputeHash(Home, 1, Start, "ab", "c", "{}", AuditChain.GenesisHash);
        var b = AuditChain.ComputeHash(Home, 1, Start, "a", "bc", "{}", AuditChain.GenesisHash);

        Assert.NotEqual(a, b);
    }

    [Fact]
    public void ComputeHash_SameInstantDifferentOffset_SameHash()
    {
        var a = AuditChain.ComputeHash(Home, 1, Start, "t", "a", "{}", AuditChain.GenesisHash);
        var b = AuditChain.ComputeHash(Home, 1, Start.ToUniversalTime(), "t", "a", "{}", AuditChain.GenesisHash);

        Assert.Equal(a, b);
    }

    [Fact]
    public void Verify_IntactChain_Ok()
    {
        Assert.Equal(new AuditVerification(true, 5, null, null), AuditChain.Verify(Chain(5)));
    }

    [Fact]
    public void Verify_Empty_OkWithZeroCount()
    {
        Assert.Equal(new AuditVerification(true, 0, null, null), AuditChain.Verify([]));
    }

    [Fact]
    public void Verify_DataOfThirdAltered_FirstBrokenSeqThree()
    {
        var chain = Chain(5);
        chain[2] = chain[2] with { Data = """{"n":999}""" };

        Assert.Equal(new AuditVerification(false, 2, 3, AuditProblems.HashMismatch), AuditChain.Verify(chain));
    }

    [Fact]
    public void Verify_DataWhitespaceChanged_Detected()
    {
        // Data is hashed byte-exact: re-serialising JSON with different spacing is tampering.
        var chain = Chain(3);
        chain[1] = chain[1] with { Data = """{"n": 1}""" };

        Assert.Equal(2, AuditChain.Verify(chain).FirstBrokenSeq);
    }

    [Theory]
    [InlineData("Type")]
    [InlineData("Actor")]
    [InlineData("At")]
    [InlineData("PrevHash")]
    public void Verify_OtherFieldOfFourthAltered_FirstBrokenSeqFour(string field)
    {
        var chain = Chain(5);
        var r = chain[3];
        chain[3] = field switch
        {
            "Type" => r with { Type = "x" },
            "Actor" => r with { Actor = "resident:1" },
            "At" => r with { At = r.At.AddTicks(10) },
            _ => r with { PrevHash = new string('a', 64) },
        };

        Assert.Equal(4, AuditChain.Verify(chain).FirstBrokenSeq);
    }

    [Fact]
    public void Verify_AlteredAndRehashed_NextLinkBroken()
    {
        var chain = Chain(5);
        var r = chain[2] with { Data = """{"n":"forged"}""" };
        chain[2] = r with { Hash = AuditChain.ComputeHash(r.HomeId, r.Seq, r.At, r.Type, r.Actor, r.Data, r.PrevHash) };

        Assert.Equal(new AuditVerification(false, 3, 4, AuditProblems.PrevHashMismatch), AuditChain.Verify(chain));
    }

    [Fact]
    public void Verify_MiddleEntryDeleted_GapDetected()
    {
        var chain = Chain(5);
        chain.RemoveAt(2);

        Assert.Equal(new AuditVerification(false, 2, 4, AuditProblems.SeqGap), AuditChain.Verify(chain));
    }

    [Fact]
    public void Verify_FirstEntryDeleted_GapDetected()
    {
        var chain = Chain(3);
        chain.RemoveAt(0);

        Assert.Equal(new AuditVerification(false, 0, 2, AuditProblems.SeqGap), AuditChain.Verify(chain));
    }

    [Fact]
    public void Verify_LastEntryDeleted_StillVerifies()
    {
        // A truncated tail is indistinguishable from a shorter chain without an external anchor.
        var chain = Chain(3);
        chain.RemoveAt(2);

        Assert.True(AuditChain.Verify(chain).Ok);
    }

    [Fact]
    public void Verify_TwoEntriesSwapped_OutOfOrderDetected()
    {
        var chain = Chain(5);
        (chain[2], chain[3]) = (chain[3], chain[2]);

        Assert.Equal(new AuditVerification(false, 2, 4, AuditProblems.SeqOutOfOrder), AuditChain.Verify(chain));
    }

    [Fact]
    public void Verify_EntryDuplicated_OutOfOrderDetected()
    {
        var chain = Chain(3);
        chain.Insert(2, chain[1]);

        Assert.Equal(new AuditVerification(false, 2, 2, AuditProblems.SeqOutOfOrder), AuditChain.Verify(chain));
    }

    [Fact]
    public void Verify_OtherHomesRecordMixedIn_MixedHomesDetected()
    {
        var chain = Chain(3);
        var foreign = Chain(3, Guid.NewGuid());
        chain[1] = foreign[1];

        Assert.Equal(new AuditVerification(false, 1, 2, AuditProblems.MixedHomes), AuditChain.Verify(chain));
    }

    [Fact]
    public void Verify_FirstNotLinkedToGenesis_Detected()
    {
        var r = AuditChain.Next(null, Home, Start, "t", "a", "{}") with { PrevHash = new string('f', 64) };
        r = r with { Hash = AuditChain.ComputeHash(r.HomeId, r.Seq, r.At, r.Type, r.Actor, r.Data, r.PrevHash) };

        Assert.Equal(new AuditVerification(false, 0, 1, AuditProblems.NotLinkedToGenesis), AuditChain.Verify([r]));
    }

    [Fact]
    public void Verify_NullDataInImportedRecord_HashMismatchNotCrash()
    {
        var chain = Chain(2);
        chain[1] = chain[1] with { Data = null! };

        Assert.Equal(AuditProblems.HashMismatch, AuditChain.Verify(chain).Problem);
    }
}
