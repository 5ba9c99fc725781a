using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Threshold.Server.Audit;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Keypad;

internal sealed record KeypadSettingsRequest(int? CodeLength);

/// <summary>The home's keypad settings (owner).</summary>
internal static class KeypadApi
{
    public static IEndpointRouteBuilder MapKeypad(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/homes/{homeId:guid}/keypad").WithTags("Keypad").RequireAuthorization(Policies.Resident).RequireHomeOwner()
            .MapPut("/", SetKeypad);
        return app;
    }

    /// <summary>Digits in new guest and service codes (4–8; deliveries always use 8); existing codes keep theirs.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> SetKeypad(
        Guid homeId, KeypadSettingsRequest body, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, CancellationToken ct)
    {
        if (body.CodeLength is not (>= 4 and <= 8))
        {
            return Problems.Invalid("invalid_field", "'codeLength' must be 4–8.", "codeLength");
        }

        await db.WriteAsync(audit, async c =>
        {
            (await db.Homes.SingleAsync(h => h.Id == homeId, c)).SetKeypadCodeLength(body.CodeLength.Value);
            await audit.AppendAsync(homeId, AuditTypes.KeypadSettingsChanged, "user:" + user.UserId(), new { codeLength = body.CodeLength }, c);
            return true;
        }, ct);
        return TypedResults.NoContent();
    }
}
