using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Threshold.Server.Accounts;
using Threshold.Server.Auth;

namespace Threshold.Server.Sessions;

/// <summary>Issues a session's access and refresh tokens (the bearer scheme's <c>SignIn</c>, with sid and generation).</summary>
internal static class SessionTokens
{
    public const string SessionIdClaim = "sid";
    public const string GenerationClaim = "thr_gen";

    public static async Task<SignInHttpResult> SignInAsync(SignInManager<AppUser> signIn, AppUser user, Session session)
    {
        var principal = await signIn.CreateUserPrincipalAsync(user);
        var identity = (ClaimsIdentity)principal.Identity!;
        identity.AddClaim(new Claim(ThresholdClaims.Kind, user.Kind.ToString()));
        if (user.CarrierId is { } carrier)
        {
            identity.AddClaim(new Claim(ThresholdClaims.CarrierId, carrier.ToString()));
        }

        identity.AddClaim(new Claim(SessionIdClaim, session.Id.ToString()));
        identity.AddClaim(new Claim(GenerationClaim, session.Generation.ToString(CultureInfo.InvariantCulture)));
        return TypedResults.SignIn(principal, authenticationScheme: IdentityConstants.BearerScheme);
    }

    public static bool TryRead(ClaimsPrincipal principal, out Guid sessionId, out int generation)
    {
        generation = 0;
        return Guid.TryParse(principal.FindFirstValue(SessionIdClaim), out sessionId)
            && int.TryParse(principal.FindFirstValue(GenerationClaim), NumberStyles.None, CultureInfo.InvariantCulture, out generation);
    }

    public static Guid SessionId(this ClaimsPrincipal principal) =>
        Guid.Parse(principal.FindFirstValue(SessionIdClaim) ?? throw new InvalidOperationException("No session claim."));
}

/// <summary>
/// The bearer scheme's access-token format with one more check: a token whose session has ended (or that names none,
/// as tokens from before sessions did) reads as no token at all, so the request is a plain 401.
/// </summary>
internal sealed class SessionCheckedTokenFormat(ISecureDataFormat<AuthenticationTicket> inner, SessionRevocations revocations)
    : ISecureDataFormat<AuthenticationTicket>
{
    public string Protect(AuthenticationTicket data) => inner.Protect(data);

    public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

    public AuthenticationTicket? Unprotect(string? protectedText) => Check(inner.Unprotect(protectedText));

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose) => Check(inner.Unprotect(protectedText, purpose));

    private AuthenticationTicket? Check(AuthenticationTicket? ticket) =>
        ticket is not null && SessionTokens.TryRead(ticket.Principal, out var sessionId, out _) && !revocations.IsRevoked(sessionId)
            ? ticket
            : null;
}
