using Threshold.Domain.Access;
using Threshold.Domain.Deliveries;
using static Threshold.Domain.Tests.TestData;

namespace Threshold.Domain.Tests.Deliveries;

public sealed class DeliveryApprovalTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly Guid Resident = Guid.Parse("44444444-4444-4444-4444-444444444444");

    private static Delivery Asked()
    {
        var d = ArrivedAt(InWindow);
        d.RequestApproval(InWindow, Timeout);
        return d;
    }

    private static AccessDecision Entry(Delivery d, DateTimeOffset now) =>
        d.CheckEntry(Courier, HomeOk(), cameraRequired: true, ArrivalValidity, now, approvalRequired: true);

    [Fact]
    public void CheckEntry_Asked_AwaitingApprovalUntilTheDeadlineThenTimeout()
    {
        var d = Asked();

        Assert.Equal(ReasonCodes.AwaitingApproval, Entry(d, InWindow.AddSeconds(59)).Reason);
        Assert.Equal(ReasonCodes.ApprovalTimeout, Entry(d, InWindow + Timeout).Reason);
        Assert.True(d.IsApprovalTimedOut(InWindow + Timeout));
    }

    [Fact]
    public void CheckEntry_Approved_Allows()
    {
        var d = Asked();

        d.Approve(Resident, InWindow.AddSeconds(10));

        Assert.Equal(AccessDecision.Allow, Entry(d, InWindow.AddSeconds(11)));
        Assert.Equal((DeliveryStatus.Arrived, Resident), (d.Status, d.ApprovalAnsweredBy));
    }

    [Fact]
    public void CheckEntry_ArrivedButNeverAsked_ArrivalRequired()
    {
        Assert.Equal(ReasonCodes.ArrivalRequired, Entry(ArrivedAt(InWindow), InWindow.AddSeconds(1)).Reason);
    }

    [Fact]
    public void CheckEntry_ApprovalNotRequired_ArrivedIsEnough()
    {
        var d = ArrivedAt(InWindow);

        Assert.Equal(AccessDecision.Allow, d.CheckEntry(Courier, HomeOk(), true, ArrivalValidity, InWindow.AddSeconds(1)));
    }

    [Fact]
    public void CheckEntry_ArrivalFreshnessCountsFromTheApproval()
    {
        var d = Asked();
        d.Approve(Resident, InWindow.AddSeconds(50));

        // Five minutes after arriving, but not yet five minutes after the household said yes.
        Assert.Equal(AccessDecision.Allow, Entry(d, InWindow + ArrivalValidity + TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void Deny_EndsDeclinedAndEntryAnswersApprovalDenied()
    {
        var d = Asked();

        d.DenyApproval(Resident, InWindow.AddSeconds(5));

        Assert.Equal((DeliveryStatus.Declined, ReasonCodes.ApprovalDenied), (d.Status, d.FailureReason));
        Assert.Equal(ReasonCodes.ApprovalDenied, Entry(d, InWindow.AddSeconds(6)).Reason);
    }

    [Fact]
    public void Approve_PastTheDeadline_ThrowsApprovalTimeoutNothingChanges()
    {
        var d = Asked();
        var version = d.Version;

        var e = Assert.Throws<DomainException>(() => d.Approve(Resident, InWindow + Timeout));

        Assert.Equal(ReasonCodes.ApprovalTimeout, e.Code);
        Assert.Equal((DeliveryStatus.AwaitingApproval, version, (DateTimeOffset?)null), (d.Status, d.Version, d.ApprovedAt));
    }

    [Fact]
    public void Answer_Twice_SecondIsInvalidTransition()
    {
        var d = Asked();
        d.Approve(Resident, InWindow.AddSeconds(1));

        Assert.Equal(DomainErrorCodes.InvalidTransition, Assert.Throws<DomainException>(() => d.DenyApproval(Resident, InWindow.AddSeconds(2))).Code);
        Assert.Equal(DomainErrorCodes.InvalidTransition, Assert.Throws<DomainException>(() => d.Approve(Resident, InWindow.AddSeconds(2))).Code);
    }

    [Fact]
    public void RecordArrival_WhileAsked_KeepsTheQuestionAndItsDeadline()
    {
        var d = Asked();

        d.RecordArrival(InWindow.AddSeconds(30));

        Assert.Equal((DeliveryStatus.AwaitingApproval, InWindow + Timeout), (d.Status, d.ApprovalDeadline));
    }

    [Fact]
    public void RecordArrival_AfterTheQuestionTimedOut_UnapprovedAndMayBeAskedAgain()
    {
        var d = Asked();
        var again = InWindow + Timeout + TimeSpan.FromSeconds(5);

        d.RecordArrival(again);
        d.RequestApproval(again, Timeout);

        Assert.Equal((DeliveryStatus.AwaitingApproval, again + Timeout), (d.Status, d.ApprovalDeadline));
        Assert.Equal(ReasonCodes.AwaitingApproval, Entry(d, again.AddSeconds(1)).Reason);
    }

    [Fact]
    public void RecordArrival_AfterApproval_StaysApproved()
    {
        var d = Asked();
        d.Approve(Resident, InWindow.AddSeconds(5));

        d.RecordArrival(InWindow.AddSeconds(20));

        Assert.Equal(AccessDecision.Allow, Entry(d, InWindow.AddSeconds(21)));
        Assert.Throws<DomainException>(() => d.RequestApproval(InWindow.AddSeconds(21), Timeout));
    }
}
