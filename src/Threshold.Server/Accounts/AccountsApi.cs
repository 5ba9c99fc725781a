using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Infrastructure;

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
        LoginRequest body, UserManager<AppUser> users, SignInManager<AppUser> signIn, ILoggerFactory loggers)
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

        var principal = await signIn.CreateUserPrincipalAsync(user);
        var identity = (ClaimsIdentity)principal.Identity!;
        identity.AddClaim(new Claim(ThresholdClaims.Kind, user.Kind.ToString()));
        if (user.CarrierId is { } carrier)
        {
            identity.AddClaim(new Claim(ThresholdClaims.CarrierId, carrier.ToString()));
        }

        return TypedResults.SignIn(principal, authenticationScheme: IdentityConstants.BearerScheme);
    }

    private static ProblemHttpResult BadCredentials() =>
        Problems.Create(StatusCodes.Status401Unauthorized, "invalid_credentials", "E-mail or password is wrong.");

    private static readonly string DummyHash = new PasswordHasher<AppUser>().HashPassword(new AppUser(), "threshold-timing-equaliser");

    // The e-mail is deliberately not logged: failed sign-ins are where people type passwords into the wrong field.
    [LoggerMessage(Level = LogLevel.Information, Message = "Sign-in refused: {Reason}")]
    private static partial void LogLoginFailed(ILogger logger, string reason);
}
