using Threshold.Domain.Access;
using Threshold.Domain.Grants;
using Threshold.Domain.Schedules;
using static Threshold.Domain.Tests.TestData;

namespace Threshold.Domain.Tests.Grants;

public sealed class GrantTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 3, 12, 0, 0, TimeSpan.Zero);
    private static readonly Schedule OpenNow = new TemporarySchedule(Now.AddHours(-1), Now.AddHours(1));

    private static Grant NewGrant(Schedule? schedule = null, int? maxEntries = null) =>
        new(Guid.NewGuid(), Home, "Cleaner", GrantKind.Service, schedule ?? OpenNow, maxEntries);

    [Fact]
    public void Decide_EverythingFine_Allows()
    {
        Assert.Equal(AccessDecision.Allow, NewGrant().Decide(HomeOk(), Now));
    }

    [Fact]
    public void Decide_Revoked_DeniesRevoked()
    {
        var grant = NewGrant();
        grant.Revoke();

        Assert.Equal(ReasonCodes.Revoked, grant.Decide(HomeOk(), Now).Reason);
    }

    [Fact]
    public void Decide_RevokedDuringLockoutOutsideWindow_RevokedWins()
    {
        var grant = NewGrant();
        grant.Revoke();

        Assert.Equal(ReasonCodes.Revoked, grant.Decide(HomeOk(new Lockout(true, null)), Now.AddDays(1)).Reason);
    }

    [Fact]
    public void Decide_LockoutActive_DeniesLockoutActive()
    {
        Assert.Equal(ReasonCodes.LockoutActive, NewGrant().Decide(HomeOk(new Lockout(true, Now.AddMinutes(1))), Now).Reason);
    }

    [Fact]
    public void Decide_LockoutExpired_Allows()
    {
        Assert.True(NewGrant().Decide(HomeOk(new Lockout(true, Now)), Now).Allowed);
    }

    [Fact]
    public void Decide_LockoutOutsideWindow_LockoutWins()
    {
        Assert.Equal(ReasonCodes.LockoutActive, NewGrant().Decide(HomeOk(new Lockout(true, null)), Now.AddDays(1)).Reason);
    }

    [Fact]
    public void Decide_ScheduleClosed_DeniesOutsideWindow()
    {
        Assert.Equal(ReasonCodes.OutsideWindow, NewGrant().Decide(HomeOk(), Now.AddHours(1)).Reason);
    }

    [Fact]
    public void Decide_RecurringScheduleUsesHomeZone_DeniesOutsideLocalHours()
    {
        // 12:00Z Tuesday is 13:00 in Berlin: inside 09–17 Berlin, outside 09–17 in Tokyo (21:00).
        var grant = NewGrant(new RecurringSchedule(new HashSet<DayOfWeek> { DayOfWeek.Tuesday }, new TimeOnly(9, 0), new TimeOnly(17, 0)));
        var tokyoHome = HomeOk() with { Zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo") };

        Assert.True(grant.Decide(HomeOk(), Now).Allowed);
        Assert.Equal(ReasonCodes.OutsideWindow, grant.Decide(tokyoHome, Now).Reason);
    }

    [Fact]
    public void Decide_OnceAlreadyUsed_DeniesAlreadyUsed()
    {
        var grant = NewGrant(new OnceSchedule(Now.AddHours(-1), Now.AddHours(1)));
        grant.RecordEntry();

        Assert.Equal(ReasonCodes.AlreadyUsed, grant.Decide(HomeOk(), Now).Reason);
    }

    [Fact]
    public void Decide_OnceUnused_Allows()
    {
        Assert.True(NewGrant(new OnceSchedule(Now.AddHours(-1), Now.AddHours(1))).Decide(HomeOk(), Now).Allowed);
    }

    [Fact]
    public void Decide_MaxEntriesReached_DeniesMaxEntriesReached()
    {
        var grant = NewGrant(maxEntries: 2);
        grant.RecordEntry();
        grant.RecordEntry();

        Assert.Equal(ReasonCodes.MaxEntriesReached, grant.Decide(HomeOk(), Now).Reason);
    }

    [Fact]
    public void Decide_BelowMaxEntries_Allows()
    {
        var grant = NewGrant(maxEntries: 2);
        grant.RecordEntry();

        Assert.True(grant.Decide(HomeOk(), Now).Allowed);
    }

    [Fact]
    public void Decide_NoMaxEntries_AllowsManyEntries()
    {
        var grant = NewGrant();
        for (var i = 0; i < 100; i++)
        {
            grant.RecordEntry();
        }

        Assert.True(grant.Decide(HomeOk(), Now).Allowed);
    }

    [Fact]
    public void Decide_HubOfflineAndCameraDown_StillAllows()
    {
        // Guests can use a keypad code while the hub is offline from the server; hub state is not a grant rule.
        Assert.True(NewGrant().Decide(HomeOk(hubOnline: false, cameraLive: false), Now).Allowed);
    }

    [Fact]
    public void Revoke_Active_RevokesAndBumpsVersion()
    {
        var grant = NewGrant();

        grant.Revoke();

        Assert.True(grant.Revoked);
        Assert.Equal(1, grant.Version);
    }

    [Fact]
    public void Revoke_AlreadyRevoked_ThrowsInvalidTransition()
    {
        var grant = NewGrant();
        grant.Revoke();

        var ex = Assert.Throws<DomainException>(grant.Revoke);

        Assert.Equal(DomainErrorCodes.InvalidTransition, ex.Code);
    }

    [Fact]
    public void RecordEntry_Allowed_CountsAndBumpsVersion()
    {
        var grant = NewGrant();

        grant.RecordEntry();

        Assert.Equal((1, 1), (grant.EntriesUsed, grant.Version));
    }

    [Fact]
    public void RecordEntry_OnceAlreadyUsed_ThrowsAlreadyUsed()
    {
        var grant = NewGrant(new OnceSchedule(Now.AddHours(-1), Now.AddHours(1)));
        grant.RecordEntry();

        var ex = Assert.Throws<DomainException>(grant.RecordEntry);

        Assert.Equal(DomainErrorCodes.AlreadyUsed, ex.Code);
        Assert.Equal(1, grant.EntriesUsed);
    }

    [Fact]
    public void RecordEntry_MaxReached_ThrowsMaxEntriesReached()
    {
        var grant = NewGrant(maxEntries: 1);
        grant.RecordEntry();

        var ex = Assert.Throws<DomainException>(grant.RecordEntry);

        Assert.Equal(DomainErrorCodes.MaxEntriesReached, ex.Code);
    }

    [Fact]
    public void RecordEntry_Revoked_ThrowsRevoked()
    {
        var grant = NewGrant();
        grant.Revoke();

        var ex = Assert.Throws<DomainException>(grant.RecordEntry);

        Assert.Equal(DomainErrorCodes.Revoked, ex.Code);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void Constructor_BlankName_ThrowsInvalidGrant(string name)
    {
        var ex = Assert.Throws<DomainException>(() => new Grant(Guid.NewGuid(), Home, name, GrantKind.Guest, OpenNow));

        Assert.Equal(DomainErrorCodes.InvalidGrant, ex.Code);
    }

    [Fact]
    public void Constructor_OverlongName_ThrowsInvalidGrant()
    {
        var ex = Assert.Throws<DomainException>(() => new Grant(Guid.NewGuid(), Home, new string('x', 101), GrantKind.Guest, OpenNow));

        Assert.Equal(DomainErrorCodes.InvalidGrant, ex.Code);
    }

    [Fact]
    public void Constructor_ZeroMaxEntries_ThrowsInvalidGrant()
    {
        var ex = Assert.Throws<DomainException>(() => NewGrant(maxEntries: 0));

        Assert.Equal(DomainErrorCodes.InvalidGrant, ex.Code);
    }

    [Fact]
    public void Constructor_EmptyId_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Grant(Guid.Empty, Home, "Guest", GrantKind.Guest, OpenNow));
    }
}
