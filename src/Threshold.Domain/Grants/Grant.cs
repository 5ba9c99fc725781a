using Threshold.Domain.Access;
using Threshold.Domain.Schedules;

namespace Threshold.Domain.Grants;

/// <summary>Permission for someone who does not live in the home to enter it.</summary>
public sealed class Grant
{
    public const int MaxNameLength = 100;

    public Grant(Guid id, Guid homeId, string name, GrantKind kind, Schedule schedule, int? maxEntries = null)
    {
        if (id == Guid.Empty || homeId == Guid.Empty)
        {
            throw new ArgumentException("Ids must not be empty.");
        }

        ArgumentNullException.ThrowIfNull(schedule);
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength)
        {
            throw new DomainException(DomainErrorCodes.InvalidGrant, $"Name must be 1–{MaxNameLength} characters.");
        }

        if (maxEntries is < 1)
        {
            throw new DomainException(DomainErrorCodes.InvalidGrant, "MaxEntries must be at least 1 when set.");
        }

        Id = id;
        HomeId = homeId;
        Name = name;
        Kind = kind;
        Schedule = schedule;
        MaxEntries = maxEntries;
    }

    // For EF Core materialisation only.
    private Grant()
    {
        Name = string.Empty;
        Schedule = new AlwaysSchedule();
    }

    public Guid Id { get; private set; }
    public Guid HomeId { get; private set; }
    public string Name { get; private set; }
    public GrantKind Kind { get; private set; }
    public Schedule Schedule { get; private set; }
    public int? MaxEntries { get; private set; }
    public int EntriesUsed { get; private set; }
    public bool Revoked { get; private set; }

    /// <summary>Incremented by every state change; usable as an optimistic-concurrency token.</summary>
    public int Version { get; private set; }

    /// <summary>Pure: the first failing rule wins, in a fixed order so the reason is predictable.</summary>
    public AccessDecision Decide(HomeConditions home, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(home);
        var refusal = Refusal(now, home);
        return refusal is null ? AccessDecision.Allow : AccessDecision.Deny(refusal);
    }

    /// <summary>Revoking is final; revoking twice is refused so a stale client learns it lost a race.</summary>
    public void Revoke()
    {
        if (Revoked)
        {
            throw new DomainException(DomainErrorCodes.InvalidTransition, "The grant is already revoked.");
        }

        Revoked = true;
        Version++;
    }

    /// <summary>
    /// Counts one entry. Re-checks the counting rules (not time or lockout, which need inputs this
    /// method does not have) so a racing second entry on a single-use grant cannot be recorded.
    /// </summary>
    public void RecordEntry()
    {
        var refusal = Revoked ? DomainErrorCodes.Revoked : CountRefusal();
        if (refusal is not null)
        {
            throw new DomainException(refusal, "The grant cannot be used again.");
        }

        EntriesUsed++;
        Version++;
    }

    private string? Refusal(DateTimeOffset now, HomeConditions home)
    {
        if (Revoked)
        {
            return ReasonCodes.Revoked;
        }

        if (home.Lockout.IsActiveAt(now))
        {
            return ReasonCodes.LockoutActive;
        }

        return !Schedule.IsOpenAt(now, home.Zone) ? ReasonCodes.OutsideWindow : CountRefusal();
    }

    private string? CountRefusal()
    {
        if (Schedule is OnceSchedule && EntriesUsed >= 1)
        {
            return ReasonCodes.AlreadyUsed;
        }

        return EntriesUsed >= MaxEntries ? ReasonCodes.MaxEntriesReached : null;
    }
}
