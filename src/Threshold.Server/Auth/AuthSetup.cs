using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Identity;
using Threshold.Server.Accounts;
using Threshold.Server.Data;

namespace Threshold.Server.Auth;

internal static class AuthSetup
{
    private const string Selector = "Threshold";

    public static IHostApplicationBuilder AddAuth(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var auth = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();

        services.AddDataProtection().SetApplicationName("Threshold");
        services.AddOptions<KeyManagementOptions>().Configure<DataDirectory>((o, dir) =>
            o.XmlRepository = new Microsoft.AspNetCore.DataProtection.Repositories.FileSystemXmlRepository(
                new DirectoryInfo(Path.Combine(dir.Path, "keys")), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance));

        services.AddIdentityCore<AppUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 12;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequiredUniqueChars = 5;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = auth.MaxFailedLogins;
                o.Lockout.DefaultLockoutTimeSpan = auth.LockoutDuration;
            })
            .AddEntityFrameworkStores<ThresholdDbContext>()
            .AddSignInManager();

        services.AddAuthentication(Selector)
            .AddPolicyScheme(Selector, Selector, o => o.ForwardDefaultSelector = ctx =>
                CarrierKeyHandler.HasCarrierKey(ctx.Request) ? CarrierKeyHandler.SchemeName : IdentityConstants.BearerScheme)
            .AddBearerToken(IdentityConstants.BearerScheme, o => o.BearerTokenExpiration = auth.AccessTokenLifetime)
            .AddScheme<AuthenticationSchemeOptions, CarrierKeyHandler>(CarrierKeyHandler.SchemeName, null);

        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Resident, p => p.RequireAuthenticatedUser()
                .AddAuthenticationSchemes(IdentityConstants.BearerScheme)
                .RequireClaim(ThresholdClaims.Kind, nameof(UserKind.Resident)))
            .AddPolicy(Policies.Courier, p => p.RequireAuthenticatedUser()
                .AddAuthenticationSchemes(IdentityConstants.BearerScheme)
                .RequireClaim(ThresholdClaims.Kind, nameof(UserKind.Courier)))
            .AddPolicy(Policies.Carrier, p => p.RequireAuthenticatedUser()
                .AddAuthenticationSchemes(CarrierKeyHandler.SchemeName)
                .RequireClaim(ThresholdClaims.CarrierId));
        return builder;
    }
}
