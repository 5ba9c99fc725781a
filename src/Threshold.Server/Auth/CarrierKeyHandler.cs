using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Threshold.Server.Carriers;
using Threshold.Server.Data;

namespace Threshold.Server.Auth;

/// <summary>Authenticates carrier systems by the API key they were shown once.</summary>
internal sealed class CarrierKeyHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ThresholdDbContext db)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "CarrierKey";
    private const string BearerPrefix = "Bearer ";

    public static bool HasCarrierKey(HttpRequest request) =>
        request.Headers.Authorization.ToString() is var h
        && h.StartsWith(BearerPrefix, StringComparison.Ordinal)
        && h.AsSpan(BearerPrefix.Length).StartsWith(CarrierApiKey.Prefix, StringComparison.Ordinal);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!HasCarrierKey(Request))
        {
            return AuthenticateResult.NoResult();
        }

        var presented = Request.Headers.Authorization.ToString()[BearerPrefix.Length..].Trim();
        if (!CarrierApiKey.TryParse(presented, out var keyId, out var secret))
        {
            return AuthenticateResult.Fail("Malformed carrier key.");
        }

        var carrier = await db.Carriers.AsNoTracking()
            .SingleOrDefaultAsync(c => c.ApiKeyId == keyId, Context.RequestAborted);
        if (carrier is null || !CarrierApiKey.Matches(secret, carrier.ApiKeyHash))
        {
            // Never echo or log the presented key.
            return AuthenticateResult.Fail("Unknown carrier key.");
        }

        var identity = new ClaimsIdentity(
            [new Claim(ThresholdClaims.CarrierId, carrier.Id.ToString()), new Claim(ClaimTypes.Name, carrier.Name)],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
