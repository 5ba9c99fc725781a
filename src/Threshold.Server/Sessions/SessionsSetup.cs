using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Threshold.Server.Data;

namespace Threshold.Server.Sessions;

internal static class SessionsSetup
{
    /// <summary>Sessions behind every person's bearer token: checked on each request in memory, ended within seconds.</summary>
    public static IHostApplicationBuilder AddSessions(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SessionLifetimeOptions>().BindConfiguration(SessionLifetimeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SessionRevocations>();
        services.AddSingleton<IWriteConsequence, RevokedSessionChanges>();
        services.AddHostedService<SessionRevocationPoller>();
        // After the bearer scheme's own set-up has made its protectors (a PostConfigure runs after every Configure).
        services.AddOptions<BearerTokenOptions>(IdentityConstants.BearerScheme)
            .PostConfigure<SessionRevocations, IOptions<SessionLifetimeOptions>>((o, revocations, sessions) =>
            {
                o.BearerTokenProtector = new SessionCheckedTokenFormat(o.BearerTokenProtector, revocations);
                o.RefreshTokenExpiration = sessions.Value.RefreshTokenLifetime;
            });
        services.AddAuthorizationBuilder().AddPolicy(SessionsApi.SignedInPerson, p => p.RequireAuthenticatedUser()
            .AddAuthenticationSchemes(IdentityConstants.BearerScheme)
            .RequireClaim(SessionTokens.SessionIdClaim));
        return builder;
    }
}
