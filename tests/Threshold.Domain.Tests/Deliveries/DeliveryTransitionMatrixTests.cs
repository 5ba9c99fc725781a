using Threshold.Domain.Deliveries;
using static Threshold.Domain.Tests.TestData;

namespace Threshold.Domain.Tests.Deliveries;

/// <summary>Every (state, action) pair: the resulting status, or the DomainException code it throws.</summary>
public sealed class DeliveryTransitionMatrixTests
{
    private const string Invalid = "!" + DomainErrorCodes.InvalidTransition;
    private const string Used = "!" + DomainErrorCodes.AlreadyUsed;
    private static readonly DateTimeOffset T = InWindow.AddMinutes(2);
    private static readonly Guid Resident = Guid.CreateVersion7();

    private static readonly string[] Actions =
        ["Assign", "Arrive", "Consume", "DoorOpened", "DoorClosed", "Locked", "Decline", "Cancel", "Expire", "Fail", "AskApproval", "Approve", "Deny"];

    // Rows: starting state. Columns: Actions, in order.
    private static readonly Dictionary<string, string[]> Matrix = new()
    {
        ["Scheduled"] = ["Scheduled", "Arrived", Invalid, Invalid, Invalid, Invalid, "Declined", "Cancelled", "Expired", "Failed", Invalid, Invalid, Invalid],
        ["Arrived"] = [Invalid, "Arrived", "Unlocked", Invalid, Invalid, Invalid, "Declined", "Cancelled", "Expired", "Failed", "AwaitingApproval", Invalid, Invalid],
        ["Unlocked"] = [Invalid, Invalid, Used, "DoorOpened", Invalid, "Completed", Invalid, Invalid, Invalid, "Failed", Invalid, Invalid, Invalid],
        ["DoorOpened"] = [Invalid, Invalid, Used, Invalid, "DoorClosed", "Locked", Invalid, Invalid, Invalid, "Failed", Invalid, Invalid, Invalid],
        ["DoorClosed"] = [Invalid, Invalid, Used, "DoorOpened", Invalid, "Completed", Invalid, Invalid, Invalid, "Failed", Invalid, Invalid, Invalid],
        ["Locked"] = [Invalid, Invalid, Used, Invalid, "Completed", Invalid, Invalid, Invalid, Invalid, "Failed", Invalid, Invalid, Invalid],
        ["Completed"] = [Invalid, Invalid, Used, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid],
        ["Declined"] = [Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid],
        ["Cancelled"] = [Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid],
        ["Expired"] = [Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid],
        ["Failed"] = [Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid],
        ["AwaitingApproval"] = [Invalid, "AwaitingApproval", Invalid, Invalid, Invalid, Invalid, "Declined", "Cancelled", "Expired", "Failed", Invalid, "Arrived", "Declined"],
    };

    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (state, outcomes) in Matrix)
        {
            for (var i = 0; i < Actions.Length; i++)
            {
                data.Add(state, Actions[i], outcomes[i]);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Transition_FromState_ResultsAsInMatrix(string state, string action, string expected)
    {
        var delivery = InState(state);
        Assert.Equal(state, delivery.Status.ToString());
        var versionBefore = delivery.Version;
        var now = action == "Expire" ? WindowEnd : T;

        var thrown = Record.Exception(() => Apply(delivery, action, now));

        if (expected.StartsWith('!'))
        {
            var domain = Assert.IsType<DomainException>(thrown);
            Assert.Equal(expected[1..], domain.Code);
            Assert.Equal(state, delivery.Status.ToString());
            Assert.Equal(versionBefore, delivery.Version);
        }
        else
        {
            Assert.Null(thrown);
            Assert.Equal(expected, delivery.Status.ToString());
            Assert.Equal(versionBefore + 1, delivery.Version);
            Assert.Equal(now, delivery.UpdatedAt);
        }
    }

    [Fact]
    public void Matrix_Rows_CoverEveryStatus()
    {
        Assert.Equal(Enum.GetNames<DeliveryStatus>().Order(), Matrix.Keys.Order());
    }

    // Expire is asked at the window end so only the state decides; the time rule has its own tests.
    private static void Apply(Delivery d, string action, DateTimeOffset now)
    {
        switch (action)
        {
            case "Assign": d.AssignCourier(OtherCourier, now); break;
            case "Arrive": d.RecordArrival(now); break;
            case "Consume": d.ConsumeEntry(now); break;
            case "DoorOpened": d.RecordDoorOpened(now); break;
            case "DoorClosed": d.RecordDoorClosed(now); break;
            case "Locked": d.RecordLocked(now); break;
            case "Decline": d.Decline(now); break;
            case "Cancel": d.Cancel(now); break;
            case "Expire": d.Expire(now); break;
            case "Fail": d.Fail("relock_failed", now); break;
            case "AskApproval": d.RequestApproval(now, TimeSpan.FromHours(1)); break;
            case "Approve": d.Approve(Resident, now); break;
            case "Deny": d.DenyApproval(Resident, now); break;
            default: throw new ArgumentOutOfRangeException(nameof(action), action, null);
        }

    }

    private static Delivery InState(string state)
    {
        var d = Assigned();
        var t = InWindow;
        switch (state)
        {
            case "Scheduled": break;
            case "Arrived": d.RecordArrival(t); break;
            case "Unlocked": d = Unlocked(); break;
            case "DoorOpened": d = Unlocked(); d.RecordDoorOpened(t); break;
            case "DoorClosed": d = Unlocked(); d.RecordDoorOpened(t); d.RecordDoorClosed(t); break;
            case "Locked": d = Unlocked(); d.RecordDoorOpened(t); d.RecordLocked(t); break;
            case "Completed": d = Unlocked(); d.RecordDoorOpened(t); d.RecordDoorClosed(t); d.RecordLocked(t); break;
            case "Declined": d.Decline(t); break;
            case "Cancelled": d.Cancel(t); break;
            case "Expired": d.Expire(WindowEnd); break;
            case "Failed": d.Fail("hub_offline", t); break;
            // Asked with an hour to answer, so every action in the row meets an open question.
            case "AwaitingApproval": d.RecordArrival(t); d.RequestApproval(t, TimeSpan.FromHours(1)); break;
            default: throw new ArgumentOutOfRangeException(nameof(state), state, null);
        }

        return d;
    }
}
