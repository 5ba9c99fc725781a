using Threshold.Hub.Keypad;
using Threshold.Hub.Zigbee;

namespace Threshold.Hub.Tests;

/// <summary>The slot plan on its own: wanted codes, table, clock and the lock's answers in; zigbee commands out. No MQTT.</summary>
public sealed class SlotPlanTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Next_FirstStepOnline_ClearsEveryUnassignedSlotThenProgramsEachCode()
    {
        var plan = new SlotPlan([]);

        var step = plan.Next([Code("a", "11873029"), Code("b", "22984130", enabled: false)], online: true);

        Assert.True(step.AssignmentsChanged);
        Assert.Equal(27, step.Swept);
        Assert.Equal(Enumerable.Range(3, 27).Select(s => (LockCommand)new ClearPin(s)), step.Commands.Take(27));
        Assert.Equal(
            [new SetPin(1, "11873029", true), new SetPin(2, "22984130", false), new SetUserStatus(2, false)],
            step.Commands.Skip(27));
        Assert.Equal([new SlotAssignment(1, "a", Hash("11873029")), new SlotAssignment(2, "b", Hash("22984130"))], plan.Assignments);
    }

    [Fact]
    public void Next_LockUnreachable_AssignsButSendsNothing_AndSweepsWhenItIsBack()
    {
        var plan = new SlotPlan([]);

        var offline = plan.Next([Code("a", "11873029")], online: false);

        Assert.True(offline.AssignmentsChanged);
        Assert.Empty(offline.Commands);
        Assert.Equal("pending", Assert.Single(plan.Slots).State);
        var back = plan.Next([Code("a", "11873029")], online: true);
        Assert.Equal(28, back.Swept);
        Assert.False(back.AssignmentsChanged);
        Assert.Equal(new SetPin(1, "11873029", true), back.Commands[^1]);
    }

    [Fact]
    public void Sent_SlotPendingUntilTheLockAnsweredEverySetSentToIt()
    {
        var plan = new SlotPlan([]);
        Send(plan, plan.Next([Code("a", "11873029")], online: true), T0);
        Send(plan, plan.Next([Code("a", "47102935")], online: true), T0.AddSeconds(1)); // the code changed: a second set

        Assert.False(plan.Answered(1)); // answers the first set only: it vouches for nothing newer
        Assert.Equal("pending", plan.Find(1)!.State);
        Assert.False(plan.IsConfirmed(1));
        Assert.True(plan.Answered(1));
        Assert.Equal("programmed", plan.Find(1)!.State);
        Assert.False(plan.Answered(1)); // an answer to nothing sent (a code added at the lock itself)
        Assert.True(plan.IsConfirmed(1));
    }

    [Fact]
    public void Next_UnchangedTable_SendsNothing_ScheduleChangeSendsOnlyTheUserStatus()
    {
        var plan = Programmed(Code("a", "11873029"));

        Assert.Empty(plan.Next([Code("a", "11873029")], online: true).Commands);
        var closed = plan.Next([Code("a", "11873029", enabled: false)], online: true);
        Send(plan, closed, T0);

        Assert.Equal([new SetUserStatus(1, false)], closed.Commands);
        Assert.False(closed.AssignmentsChanged);
        Assert.Equal("disabled", plan.Find(1)!.State);
    }

    [Fact]
    public void Next_CredentialLeaves_ItsSlotIsCleared_OthersKeepTheirSlots_NewOneTakesTheLowestFree()
    {
        var plan = Programmed(Code("a", "11873029"), Code("b", "22984130"));

        var step = plan.Next([Code("b", "22984130"), Code("c", "33095241")], online: true);

        // c takes slot 1 at once: the new code overwrites a's, no clear needed.
        Assert.Equal([new SetPin(1, "33095241", true)], step.Commands);
        Assert.Equal(["c", "b"], plan.Slots.Select(s => s.CredentialId));
        var gone = plan.Next([Code("b", "22984130")], online: true);
        Assert.Equal([new ClearPin(1)], gone.Commands);
        Assert.Equal([2], plan.Slots.Select(s => s.Slot));
    }

    [Fact]
    public void ResendUnanswered_SetUnansweredPastTheHorizon_IsSentAgain()
    {
        var plan = new SlotPlan([]);
        Send(plan, plan.Next([Code("a", "11873029")], online: true), T0);

        plan.ResendUnanswered(T0 + SlotConfirmations.AnswerHorizon);
        Assert.Empty(plan.Next([Code("a", "11873029")], online: true).Commands);
        plan.ResendUnanswered(T0 + SlotConfirmations.AnswerHorizon + TimeSpan.FromSeconds(1));
        var again = plan.Next([Code("a", "11873029")], online: true);

        Assert.Equal([new SetPin(1, "11873029", true)], again.Commands);
        Send(plan, again, T0.AddMinutes(1));
        Assert.True(plan.Answered(1));
        Assert.Equal("programmed", plan.Find(1)!.State);
    }

    [Fact]
    public void Sweep_ForgetsAnswersOwedForSetsSentBeforeIt()
    {
        var plan = new SlotPlan([]);
        Send(plan, plan.Next([Code("a", "11873029")], online: true), T0); // never answered: the lock was away

        plan.RequireSweep();
        var sweep = plan.Next([Code("a", "11873029")], online: true);
        Send(plan, sweep, T0.AddSeconds(5));

        Assert.Equal(28, sweep.Swept);
        Assert.True(plan.Answered(1));
        Assert.Equal("programmed", plan.Find(1)!.State);
    }

    [Fact]
    public void SendFailed_NextStepSweepsAndReprogramsEverything()
    {
        var plan = Programmed(Code("a", "11873029"));

        plan.SendFailed();

        Assert.Equal("pending", plan.Find(1)!.State);
        var step = plan.Next([Code("a", "11873029")], online: true);
        Assert.Equal(28, step.Swept);
        Assert.Equal(new SetPin(1, "11873029", true), step.Commands[^1]);
    }

    [Fact]
    public void Restore_KeepsStoredSlots_DropsThoseOutOfRange_AndStartsWithASweep()
    {
        var plan = new SlotPlan([new SlotAssignment(4, "a", Hash("11873029")), new SlotAssignment(30, "x", Hash("1234"))]);

        var step = plan.Next([Code("a", "11873029")], online: true);

        Assert.False(step.AssignmentsChanged);
        Assert.Equal(28, step.Swept);
        Assert.DoesNotContain(new ClearPin(4), step.Commands);
        Assert.Equal(new SetPin(4, "11873029", true), step.Commands[^1]);
    }

    [Fact]
    public void Commands_PrintWithoutTheCode()
    {
        Assert.DoesNotContain("11873029", new SetPin(1, "11873029", true).ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("11873029", Code("a", "11873029").ToString(), StringComparison.Ordinal);
        Assert.Equal("""{"pin_code":{"user":1,"user_type":"unrestricted","user_enabled":true,"pin_code":"11873029"}}""", new SetPin(1, "11873029", true).Payload().ToJsonString());
        Assert.Equal("""{"pin_code":{"user":3,"pin_code":null}}""", new ClearPin(3).Payload().ToJsonString());
        Assert.Equal("""{"user_status":{"user":2,"status":"disabled"}}""", new SetUserStatus(2, false).Payload().ToJsonString());
    }

    private static WantedCode Code(string id, string code, bool enabled = true) => new(id, code, enabled);

    /// <summary>A plan whose codes were all sent and answered.</summary>
    private static SlotPlan Programmed(params WantedCode[] codes)
    {
        var plan = new SlotPlan([]);
        Send(plan, plan.Next(codes, online: true), T0);
        foreach (var slot in plan.Slots)
        {
            Assert.True(plan.Answered(slot.Slot));
        }

        return plan;
    }

    private static void Send(SlotPlan plan, SlotStep step, DateTimeOffset at)
    {
        foreach (var command in step.Commands)
        {
            plan.Sent(command, at);
        }
    }

    private static string Hash(string code) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(code)));
}
