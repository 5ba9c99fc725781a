using Threshold.Domain.Deliveries;
using static Threshold.Domain.Tests.TestData;

namespace Threshold.Domain.Tests.Deliveries;

public sealed class DeliveryScheduleTests
{
    private static Delivery Create(
        IEnumerable<string>? packages = null, string externalRef = "ORDER-1",
        DateTimeOffset? start = null, DateTimeOffset? end = null, DateTimeOffset? now = null) =>
        Delivery.Schedule(
            Guid.NewGuid(), Home, Guid.NewGuid(), Guid.NewGuid(), externalRef, packages ?? [Barcode],
            start ?? WindowStart, end ?? WindowEnd, now ?? BeforeWindow, MaxWindow);

    private static string CodeOf(Action act) => Assert.Throws<DomainException>(act).Code;

    [Fact]
    public void Schedule_ValidInput_ScheduledWithAllFields()
    {
        var id = Guid.NewGuid();
        var carrier = Guid.NewGuid();
        var enrolment = Guid.NewGuid();

        var d = Delivery.Schedule(id, Home, carrier, enrolment, "REF-9", ["A1", "B2"], WindowStart, WindowEnd, BeforeWindow, MaxWindow);

        Assert.Equal((id, Home, carrier, enrolment, "REF-9"), (d.Id, d.HomeId, d.CarrierId, d.EnrolmentId, d.ExternalRef));
        Assert.Equal(["A1", "B2"], d.Packages);
        Assert.Equal(["A1", "B2"], d.PackageList);
        Assert.Equal((WindowStart, WindowEnd), (d.WindowStart, d.WindowEnd));
        Assert.Equal(DeliveryStatus.Scheduled, d.Status);
        Assert.Equal((BeforeWindow, BeforeWindow), (d.CreatedAt, d.UpdatedAt));
        Assert.Null(d.CourierId);
        Assert.Null(d.ArrivedAt);
        Assert.Null(d.EntryUsedAt);
        Assert.Null(d.CompletedAt);
        Assert.Null(d.FailureReason);
        Assert.False(d.IsTerminal);
        Assert.Equal(0, d.Version);
    }

    [Fact]
    public void Schedule_CallerMutatesPackageSourceAfterwards_DeliveryUnchanged()
    {
        var source = new List<string> { Barcode };
        var d = Create(packages: source);

        source.Add("SNEAKY");

        Assert.Equal([Barcode], d.Packages);
    }

    [Fact]
    public void Packages_CastToList_CannotBeMutated()
    {
        var d = Create();

        Assert.IsNotType<List<string>>(d.Packages);
    }

    [Fact]
    public void Schedule_NoPackages_InvalidPackages()
    {
        Assert.Equal(DomainErrorCodes.InvalidPackages, CodeOf(() => Create(packages: [])));
    }

    [Fact]
    public void Schedule_FiftyPackages_Accepted()
    {
        Assert.Equal(50, Create(packages: Enumerable.Range(0, 50).Select(i => $"P{i}")).Packages.Count);
    }

    [Fact]
    public void Schedule_FiftyOnePackages_InvalidPackages()
    {
        Assert.Equal(DomainErrorCodes.InvalidPackages, CodeOf(() => Create(packages: Enumerable.Range(0, 51).Select(i => $"P{i}"))));
    }

    [Fact]
    public void Schedule_BarcodeOf128Chars_Accepted()
    {
        Assert.Single(Create(packages: [new string('9', 128)]).Packages);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ABC\n")]
    [InlineData("AB\u0000C")]
    [InlineData("PAKET-Ä")]
    [InlineData(" LEADING")]
    [InlineData("TRAILING ")]
    public void Schedule_BadBarcode_InvalidPackages(string barcode)
    {
        Assert.Equal(DomainErrorCodes.InvalidPackages, CodeOf(() => Create(packages: [barcode])));
    }

    [Fact]
    public void Schedule_BarcodeOf129Chars_InvalidPackages()
    {
        Assert.Equal(DomainErrorCodes.InvalidPackages, CodeOf(() => Create(packages: [new string('9', 129)])));
    }

    [Fact]
    public void Schedule_NullBarcode_InvalidPackages()
    {
        Assert.Equal(DomainErrorCodes.InvalidPackages, CodeOf(() => Create(packages: [null!])));
    }

    [Fact]
    public void Schedule_DuplicateBarcode_InvalidPackages()
    {
        Assert.Equal(DomainErrorCodes.InvalidPackages, CodeOf(() => Create(packages: ["A1", "A1"])));
    }

    [Fact]
    public void Schedule_BarcodesDifferingOnlyInCase_Accepted()
    {
        Assert.Equal(2, Create(packages: ["ab1", "AB1"]).Packages.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("REF\t1")]
    public void Schedule_BadExternalRef_InvalidExternalRef(string externalRef)
    {
        Assert.Equal(DomainErrorCodes.InvalidExternalRef, CodeOf(() => Create(externalRef: externalRef)));
    }

    [Fact]
    public void Schedule_ExternalRefOf129Chars_InvalidExternalRef()
    {
        Assert.Equal(DomainErrorCodes.InvalidExternalRef, CodeOf(() => Create(externalRef: new string('R', 129))));
    }

    [Fact]
    public void Schedule_ExternalRefOf128Chars_Accepted()
    {
        Assert.Equal(128, Create(externalRef: new string('R', 128)).ExternalRef.Length);
    }

    [Fact]
    public void Schedule_StartEqualsEnd_InvalidWindow()
    {
        Assert.Equal(DomainErrorCodes.InvalidWindow, CodeOf(() => Create(start: WindowStart, end: WindowStart)));
    }

    [Fact]
    public void Schedule_StartAfterEnd_InvalidWindow()
    {
        Assert.Equal(DomainErrorCodes.InvalidWindow, CodeOf(() => Create(start: WindowEnd, end: WindowStart)));
    }

    [Fact]
    public void Schedule_WindowExactlyMax_Accepted()
    {
        Assert.Equal(MaxWindow, Create(end: WindowStart + MaxWindow).WindowEnd - WindowStart);
    }

    [Fact]
    public void Schedule_WindowOneTickTooLong_WindowTooLong()
    {
        Assert.Equal(DomainErrorCodes.WindowTooLong, CodeOf(() => Create(end: WindowStart + MaxWindow + TimeSpan.FromTicks(1))));
    }

    [Fact]
    public void Schedule_EndEqualsNow_WindowInPast()
    {
        Assert.Equal(DomainErrorCodes.WindowInPast, CodeOf(() => Create(now: WindowEnd)));
    }

    [Fact]
    public void Schedule_AlreadyStartedButNotEnded_Accepted()
    {
        Assert.Equal(DeliveryStatus.Scheduled, Create(now: InWindow).Status);
    }

    [Fact]
    public void Schedule_SeveralProblems_PackagesReportedFirst()
    {
        Assert.Equal(DomainErrorCodes.InvalidPackages, CodeOf(() => Create(packages: [], externalRef: "", start: WindowEnd, end: WindowStart)));
    }

    [Fact]
    public void Schedule_EmptyId_Throws()
    {
        Assert.Throws<ArgumentException>(() =>
            Delivery.Schedule(Guid.Empty, Home, Guid.NewGuid(), Guid.NewGuid(), "R", [Barcode], WindowStart, WindowEnd, BeforeWindow, MaxWindow));
    }
}
