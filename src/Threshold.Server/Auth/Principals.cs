using System.Security.Claims;

namespace Threshold.Server.Auth;

internal static class ThresholdClaims
{
    public const string Kind = "thr_kind";
    public const string CarrierId = "thr_carrier";
}

internal static class Policies
{
    public const string Resident = "resident";
    public const string Courier = "courier";
    public const string Carrier = "carrier";
}

internal static class PrincipalExtensions
{
    public static Guid UserId(this ClaimsPrincipal user) =>
        Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("No user id claim."));

    public static Guid CarrierId(this ClaimsPrincipal user) =>
        Guid.Parse(user.FindFirstValue(ThresholdClaims.CarrierId) ?? throw new InvalidOperationException("No carrier claim."));
}
