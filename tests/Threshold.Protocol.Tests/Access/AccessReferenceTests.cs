using Threshold.Protocol.Access;

namespace Threshold.Protocol.Tests.Access;

public sealed class AccessReferenceTests
{
    private static readonly Guid Id = Guid.Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7");

    [Theory]
    [InlineData(AccessKind.Delivery, "delivery:7c9e6679-7425-40de-944b-e07fc1f90ae7", true)]
    [InlineData(AccessKind.Grant, "grant:7c9e6679-7425-40de-944b-e07fc1f90ae7", true)]
    [InlineData(AccessKind.Resident, "resident:7c9e6679-7425-40de-944b-e07fc1f90ae7", false)]
    public void ToString_EveryKind_ParsesBack(AccessKind kind, string text, bool lockout)
    {
        var reference = new AccessReference(kind, Id);

        Assert.Equal(text, reference.ToString());
        Assert.True(AccessReference.TryParse(text, out var parsed));
        Assert.Equal(reference, parsed);
        Assert.Equal(lockout, parsed.SubjectToLockout);
    }

    [Fact]
    public void Factories_Kinds_Match()
    {
        Assert.Equal("delivery:" + Id, AccessReference.Delivery(Id).ToString());
        Assert.Equal("grant:" + Id, AccessReference.Grant(Id).ToString());
        Assert.Equal("resident:" + Id, AccessReference.Resident(Id).ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("delivery:")]
    [InlineData("delivery:42")]
    [InlineData("delivery:7c9e6679742540de944be07fc1f90ae7")]
    [InlineData("delivery:7C9E6679-7425-40DE-944B-E07FC1F90AE7")]
    [InlineData("Delivery:7c9e6679-7425-40de-944b-e07fc1f90ae7")]
    [InlineData("courier:7c9e6679-7425-40de-944b-e07fc1f90ae7")]
    [InlineData("delivery:7c9e6679-7425-40de-944b-e07fc1f90ae7 ")]
    [InlineData(" delivery:7c9e6679-7425-40de-944b-e07fc1f90ae7")]
    [InlineData("7c9e6679-7425-40de-944b-e07fc1f90ae7")]
    public void TryParse_Other_False(string? text) => Assert.False(AccessReference.TryParse(text, out _));
}
