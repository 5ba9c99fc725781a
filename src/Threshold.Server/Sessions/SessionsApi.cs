using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Threshold.Server.Accounts;
using Threshold.Server.Audit;
using Threshold.Server.Data;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Sessions;

internal sealed record RefreshRequest(string? RefreshToken);

/// <summary><c>/api/v1/auth/refresh</c> and <c>/logout</c>: a session's tokens renewed with rotation, or ended.</summary>
internal static class SessionsApi
{
    public const string SignedInPerson = "signed-in-person";

    public static IEndpointRouteBuilder MapSessions(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/auth").WithTags("Accounts");
        api.MapPost("/refresh", Refresh).AllowAnonymous().RequireRateLimiting(RateLimits.Login);
        api.MapPost("/logout", Logout).RequireAuthorization(SignedInPerson);
        return app;
    }

    public static async Task<Results<SignInHttpResult, ProblemHttpResult>> Refresh(
        RefreshRequest body, IOptionsMonitor<BearerTokenOptions> bearer, SignInManager<AppUser> signIn, ThresholdDbContext db,
        AuditTrail audit, TimeProvider time, IOptions<SessionLifetimeOptions> options, CancellationToken ct)
    {
        if (Check.Text(body.RefreshToken, "refreshToken", 8192) is { } invalid)
        {
            return invalid;
        }

        var now = time.GetUtcNow();
        var ticket = bearer.Get(IdentityConstants.BearerScheme).RefreshTokenProtector.Unprotect(body.RefreshToken);
        if (ticket?.Properties.ExpiresUtc is not { } expires || expires <= now
            || !SessionTokens.TryRead(ticket.Principal, out var sessionId, out var generation)
            || await signIn.ValidateSecurityStampAsync(ticket.Principal) is not { } user)
        {
            return InvalidRefreshToken();
        }

        var lifetime = options.Value.RefreshTokenLifetime;
        var (outcome, session) = await db.WriteAsync(audit, async c =>
        {
            var found = await db.Sessions.SingleOrDefaultAsync(s => s.Id == sessionId && s.UserId == user.Id, c);
            return found is null ? (RefreshOutcome.Ended, null) : (found.Refresh(generation, now, lifetime), found);
        }, ct);
        return outcome switch
        {
            RefreshOutcome.Rotated => await SessionTokens.SignInAsync(signIn, user, session!),
            RefreshOutcome.Reused => Problems.Create(StatusCodes.Status401Unauthorized, "refresh_token_reused",
                "This refresh token was already exchanged; the session has been ended everywhere. Sign in again."),
            _ => InvalidRefreshToken(),
        };
    }

    public static async Task<NoContent> Logout(ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var sessionId = user.SessionId();
        await db.WriteAsync(audit, async c =>
        {
            var session = await db.Sessions.SingleOrDefaultAsync(s => s.Id == sessionId, c);
            session?.Revoke(SessionEndReasons.SignedOut, time.GetUtcNow());
            return true;
        }, ct);
        return TypedResults.NoContent();
    }

    /// <summary>Ends every active session of <paramref name="userId"/>; call inside a write.</summary>
    public static async Task EndAllAsync(this ThresholdDbContext db, Guid userId, string reason, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var session in await db.Sessions.Where(s => s.UserId == userId && s.RevokedAt == null && s.ExpiresAt > now).ToListAsync(ct))
        {
            session.Revoke(reason, now);
        }
    }

    private static ProblemHttpResult InvalidRefreshToken() =>
        Problems.Create(StatusCodes.Status401Unauthorized, "invalid_refresh_token", "This refresh token is not valid; sign in again.");
}
