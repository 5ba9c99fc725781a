namespace Threshold.Server.Sessions;

internal enum RefreshOutcome
{
    Rotated,
    Reused,
    Ended,
}

/// <summary>
/// One sign-in on one device. Its access and refresh tokens carry its id (<c>sid</c>) and the refresh generation
/// (<c>thr_gen</c>); revoking it ends both (<see cref="SessionRevocations"/>). Only the newest refresh token works: one
/// presented again after it was exchanged was copied, so the whole session ends.
/// </summary>
internal sealed class Session
{
    public const int MaxReasonLength = 32;

    private Session()
    {
    }

    public Guid Id { get; private set; }
    public Guid UserId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>When the newest refresh token expires; after that nothing issued for this session works.</summary>
    public DateTimeOffset ExpiresAt { get; private set; }

    /// <summary>The generation of the only refresh token that may still be exchanged.</summary>
    public int Generation { get; private set; }

    public DateTimeOffset? RevokedAt { get; private set; }
    public string? RevokedReason { get; private set; }

    public static Session Start(Guid userId, DateTimeOffset now, TimeSpan refreshLifetime) => new()
    {
        Id = Guid.CreateVersion7(now),
        UserId = userId,
        CreatedAt = now,
        ExpiresAt = now + refreshLifetime,
    };

    public bool IsActive(DateTimeOffset now) => RevokedAt is null && ExpiresAt > now;

    /// <summary>Exchanges the refresh token of <paramref name="generation"/> for the next one.</summary>
    public RefreshOutcome Refresh(int generation, DateTimeOffset now, TimeSpan refreshLifetime)
    {
        if (!IsActive(now))
        {
            return RefreshOutcome.Ended;
        }

        if (generation != Generation)
        {
            Revoke(SessionEndReasons.RefreshReused, now);
            return RefreshOutcome.Reused;
        }

        Generation++;
        ExpiresAt = now + refreshLifetime;
        return RefreshOutcome.Rotated;
    }

    /// <summary>Ends the session; the first reason is kept.</summary>
    public void Revoke(string reason, DateTimeOffset now)
    {
        if (RevokedAt is null)
        {
            RevokedAt = now;
            RevokedReason = reason;
        }
    }
}

/// <summary>Why a session ended (<see cref="Session.RevokedReason"/>).</summary>
internal static class SessionEndReasons
{
    public const string SignedOut = "signed_out";
    public const string RefreshReused = "refresh_reused";
    public const string PasswordChanged = "password_changed";
    public const string AccountDeleted = "account_deleted";
    public const string RemovedFromHome = "removed_from_home";
}
