using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Threshold.Server.Audit;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Infrastructure;
using Threshold.Server.Sessions;

namespace Threshold.Server.Accounts;

internal sealed record RegisterRequest(string? Email, string? Password, string? Name);

internal sealed record LoginRequest(string? Email, string? Password);

internal sealed record AccountCreated(Guid Id);

internal static partial class AccountsApi
{
    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/auth").WithTags("Accounts").AllowAnonymous();
        api.MapPost("/register", Register).RequireRateLimiting(RateLimits.Register);
        api.MapPost("/login", Login).RequireRateLimiting(RateLimits.Login);
        return app;
    }

    public static async Task<Results<Created<AccountCreated>, ProblemHttpResult>> Register(
        RegisterRequest body, UserManager<AppUser> users)
    {
        var (user, problem) = await CreateUserAsync(users, body, UserKind.Resident, carrierId: null);
        return problem ?? (Results<Created<AccountCreated>, ProblemHttpResult>)TypedResults.Created((string?)null, new AccountCreated(user!.Id));
    }

    /// <summary>Creates a person; shared by resident registration and carriers adding couriers.</summary>
    public static async Task<(AppUser? User, ProblemHttpResult? Problem)> CreateUserAsync(
        UserManager<AppUser> users, RegisterRequest body, UserKind kind, Guid? carrierId)
    {
        var invalid = Check.First(
            Check.Text(body.Email, "email", 254, 3),
            Check.Text(body.Password, "password", 128),
            Check.Text(body.Name, "name", 100));
        if (invalid is not null)
        {
            return (null, invalid);
        }

        if (!System.Net.Mail.MailAddress.TryCreate(body.Email, out var address) || address.Address != body.Email)
        {
            return (null, Problems.Invalid("invalid_email", "'email' is not an e-mail address.", "email"));
        }

        var user = new AppUser { Id = Guid.CreateVersion7(), UserName = body.Email, Email = body.Email, Name = body.Name!, Kind = kind, CarrierId = carrierId };
        IdentityResult result;
        try
        {
            result = await users.CreateAsync(user, body.Password!);
        }
        catch (DbUpdateException e) when (SqliteErrors.IsUniqueViolation(e))
        {
            // Identity's duplicate check and its insert are not one step: a parallel registration won the insert.
            result = IdentityResult.Failed(users.ErrorDescriber.DuplicateEmail(body.Email!));
        }

        if (result.Succeeded)
        {
            return (user, null);
        }

        var error = result.Errors.First();
        return error.Code is "DuplicateEmail" or "DuplicateUserName"
            ? (null, Problems.Conflict("email_taken", "An account with this e-mail already exists."))
            : (null, Problems.Invalid("weak_password", error.Description, "password"));
    }

    public static async Task<Results<SignInHttpResult, ProblemHttpResult>> Login(
        LoginRequest body, UserManager<AppUser> users, SignInManager<AppUser> signIn, ThresholdDbContext db, AuditTrail audit,
        TimeProvider time, IOptions<SessionLifetimeOptions> sessions, ILoggerFactory loggers, CancellationToken ct)
    {
        var invalid = Check.First(Check.Text(body.Email, "email", 254), Check.Text(body.Password, "password", 128));
        if (invalid is not null)
        {
            return invalid;
        }

        var logger = loggers.CreateLogger(typeof(AccountsApi));
        var user = await users.FindByEmailAsync(body.Email!);
        if (user is null)
        {
            // Spend the same hashing time as a real check so timing does not reveal which e-mails exist.
            users.PasswordHasher.VerifyHashedPassword(new AppUser(), DummyHash, body.Password!);
            LogLoginFailed(logger, "unknown_account");
            return BadCredentials();
        }

        var result = await signIn.CheckPasswordSignInAsync(user, body.Password!, lockoutOnFailure: true);
        if (result.IsLockedOut)
        {
            LogLoginFailed(logger, "locked_out");
            return Problems.Create(StatusCodes.Status403Forbidden, "account_locked", "Too many failed sign-ins; try again later.");
        }

        if (!result.Succeeded)
        {
            LogLoginFailed(logger, "bad_password");
            return BadCredentials();
        }

        // Every sign-in is its own session, so it can be ended on its own (sign-out) or with the rest (password change).
        var session = Session.Start(user.Id, time.GetUtcNow(), sessions.Value.RefreshTokenLifetime);
        await db.WriteAsync(audit, _ =>
        {
            db.Sessions.Add(session);
            return Task.FromResult(true);
        }, ct);
        return await SessionTokens.SignInAsync(signIn, user, session);
    }

    private static ProblemHttpResult BadCredentials() =>
        Problems.Create(StatusCodes.Status401Unauthorized, "invalid_credentials", "E-mail or password is wrong.");

    private static readonly string DummyHash = new PasswordHasher<AppUser>().HashPassword(new AppUser(), "threshold-timing-equaliser");

    // The e-mail is deliberately not logged: failed sign-ins are where people type passwords into the wrong field.
    [LoggerMessage(Level = LogLevel.Information, Message = "Sign-in refused: {Reason}")]
    private static partial void LogLoginFailed(ILogger logger, string reason);
}
