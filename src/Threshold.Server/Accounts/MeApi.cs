using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Threshold.Server.Audit;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Infrastructure;
using Threshold.Server.Sessions;

namespace Threshold.Server.Accounts;

internal sealed record PasswordChange(string? CurrentPassword, string? NewPassword);

internal sealed record AccountDeletion(string? Password);

/// <summary>
/// <c>/api/v1/me</c>: the signed-in person's own account. A password change and an account deletion end every session
/// of the person, this one included (sign in again with the new password), within a second on every node.
/// </summary>
internal static class MeApi
{
    public static IEndpointRouteBuilder MapMe(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/api/v1/me").WithTags("Accounts").RequireAuthorization(SessionsApi.SignedInPerson)
            .RequireRateLimiting(RateLimits.Login);
        me.MapPut("/password", ChangePassword);
        me.MapDelete("/", Delete);
        return app;
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> ChangePassword(
        PasswordChange body, ClaimsPrincipal principal, UserManager<AppUser> users, ThresholdDbContext db, AuditTrail audit,
        TimeProvider time, CancellationToken ct)
    {
        if (Check.First(Check.Text(body.CurrentPassword, "currentPassword", 128), Check.Text(body.NewPassword, "newPassword", 128)) is { } invalid)
        {
            return invalid;
        }

        if (await users.FindByIdAsync(principal.UserId().ToString()) is not { } user)
        {
            return Problems.NotFound();
        }

        var result = await users.ChangePasswordAsync(user, body.CurrentPassword!, body.NewPassword!);
        if (!result.Succeeded)
        {
            return result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.PasswordMismatch))
                ? WrongPassword("currentPassword")
                : Problems.Invalid("weak_password", result.Errors.First().Description, "newPassword");
        }

        await db.WriteAsync(audit, async c =>
        {
            await db.EndAllAsync(user.Id, SessionEndReasons.PasswordChanged, time.GetUtcNow(), c);
            return true;
        }, ct);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Deletes the account and the person's place in every household. An owner must hand over or remove their homes
    /// first: a home nobody owns could not be managed, and deleting it would take its hub and record with it.
    /// </summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        [FromBody] AccountDeletion body, ClaimsPrincipal principal, UserManager<AppUser> users, ThresholdDbContext db, AuditTrail audit,
        TimeProvider time, CancellationToken ct)
    {
        if (Check.Text(body.Password, "password", 128) is { } invalid)
        {
            return invalid;
        }

        if (await users.FindByIdAsync(principal.UserId().ToString()) is not { } user)
        {
            return Problems.NotFound();
        }

        if (!await users.CheckPasswordAsync(user, body.Password!))
        {
            return WrongPassword("password");
        }

        var refused = await db.WriteAsync<ProblemHttpResult?>(audit, async c =>
        {
            var memberships = await db.HomeMembers.Where(m => m.UserId == user.Id).ToListAsync(c);
            if (memberships.Any(m => m.Role == HomeRole.Owner))
            {
                return Problems.Conflict("owns_home", "This account owns a home; remove the home or hand it over before deleting the account.");
            }

            foreach (var membership in memberships)
            {
                await audit.AppendAsync(membership.HomeId, AuditTypes.MemberRemoved, "user:" + user.Id, new { userId = user.Id, reason = "account_deleted" }, c);
            }

            db.HomeMembers.RemoveRange(memberships);
            await db.EndAllAsync(user.Id, SessionEndReasons.AccountDeleted, time.GetUtcNow(), c);
            db.Users.Remove(user);
            return null;
        }, ct);
        return refused is null ? TypedResults.NoContent() : refused;
    }

    private static ProblemHttpResult WrongPassword(string field) =>
        Problems.Create(StatusCodes.Status403Forbidden, "wrong_password", "The password is not right.", field);
}
