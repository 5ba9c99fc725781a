using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Threshold.Server.Data;
using Threshold.Server.Sessions;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Sessions;

/// <summary>Issue 13 item 4: a session that ends ends everywhere, at once on this node and within a poll on others.</summary>
public sealed class SessionRevocationTests : IAsyncLifetime
{
    private ServerHost host = null!;

    public async Task InitializeAsync() => host = await ServerHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Logout_ThatSession_Gets401OtherSessionsKeepWorking()
    {
        var (email, _) = await AccountAsync();
        var first = await SignInAsync(email);
        var second = await SignInAsync(email);

        (await host.RequestAsync(HttpMethod.Post, "/api/v1/auth/logout", first.Access)).EnsureSuccessStatusCode();

        await AssertSignedOutAsync(first.Access);
        Assert.Equal(HttpStatusCode.OK, (await host.RequestAsync(HttpMethod.Get, "/api/v1/homes", second.Access)).StatusCode);
        await (await RefreshAsync(first.Refresh)).ProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }

    [Fact]
    public async Task Refresh_NewestToken_RotatesAndTheNewAccessTokenWorks()
    {
        var (email, _) = await AccountAsync();
        var session = await SignInAsync(email);

        var renewed = Tokens(await (await RefreshAsync(session.Refresh)).JsonAsync(HttpStatusCode.OK));

        Assert.NotEqual(session.Refresh, renewed.Refresh);
        Assert.Equal(HttpStatusCode.OK, (await host.RequestAsync(HttpMethod.Get, "/api/v1/homes", renewed.Access)).StatusCode);
    }

    [Fact]
    public async Task Refresh_ReusedToken_EndsTheWholeSession()
    {
        var (email, _) = await AccountAsync();
        var session = await SignInAsync(email);
        var renewed = Tokens(await (await RefreshAsync(session.Refresh)).JsonAsync(HttpStatusCode.OK));

        // Someone replays the token that was already exchanged: one of the two holders is a thief.
        await (await RefreshAsync(session.Refresh)).ProblemAsync(HttpStatusCode.Unauthorized, "refresh_token_reused");

        await AssertSignedOutAsync(renewed.Access);
        await AssertSignedOutAsync(session.Access);
        await (await RefreshAsync(renewed.Refresh)).ProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("")]
    public async Task Refresh_Garbage_ProblemNot500(string token)
    {
        var response = await RefreshAsync(token);

        Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest, response.StatusCode.ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Refresh_AccessTokenInsteadOfRefreshToken_Refused()
    {
        var (email, _) = await AccountAsync();
        var session = await SignInAsync(email);

        await (await RefreshAsync(session.Access)).ProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
    }

    [Fact]
    public async Task ChangePassword_EverySessionEnds_NewPasswordSignsIn()
    {
        var (email, _) = await AccountAsync();
        var first = await SignInAsync(email);
        var second = await SignInAsync(email);
        const string newPassword = "a-new-long-passphrase";

        (await host.RequestAsync(HttpMethod.Put, "/api/v1/me/password", first.Access, new { currentPassword = Api.Password, newPassword })).EnsureSuccessStatusCode();

        await AssertSignedOutAsync(first.Access);
        await AssertSignedOutAsync(second.Access);
        await (await RefreshAsync(second.Refresh)).ProblemAsync(HttpStatusCode.Unauthorized, "invalid_refresh_token");
        await host.LoginAsync(email, newPassword);
        await (await host.RequestAsync(HttpMethod.Post, "/api/v1/auth/login", null, new { email, password = Api.Password }))
            .ProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
    }

    [Fact]
    public async Task ChangePassword_WrongCurrentPassword_ForbiddenSessionsKept()
    {
        var (email, _) = await AccountAsync();
        var session = await SignInAsync(email);

        await (await host.RequestAsync(HttpMethod.Put, "/api/v1/me/password", session.Access, new { currentPassword = "not-the-password", newPassword = "a-new-long-passphrase" }))
            .ProblemAsync(HttpStatusCode.Forbidden, "wrong_password");

        Assert.Equal(HttpStatusCode.OK, (await host.RequestAsync(HttpMethod.Get, "/api/v1/homes", session.Access)).StatusCode);
    }

    [Fact]
    public async Task DeleteAccount_Member_SessionsEndAndSignInFails()
    {
        var (email, _) = await AccountAsync();
        var session = await SignInAsync(email);

        (await host.RequestAsync(HttpMethod.Delete, "/api/v1/me", session.Access, new { password = Api.Password })).EnsureSuccessStatusCode();

        await AssertSignedOutAsync(session.Access);
        await (await host.RequestAsync(HttpMethod.Post, "/api/v1/auth/login", null, new { email, password = Api.Password }))
            .ProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
    }

    [Fact]
    public async Task DeleteAccount_Owner_ConflictNothingChanged()
    {
        var (email, token) = await AccountAsync();
        await host.HomeAsync(token);

        await (await host.RequestAsync(HttpMethod.Delete, "/api/v1/me", token, new { password = Api.Password })).ProblemAsync(HttpStatusCode.Conflict, "owns_home");

        Assert.Equal(HttpStatusCode.OK, (await host.RequestAsync(HttpMethod.Get, "/api/v1/homes", token)).StatusCode);
        await host.LoginAsync(email, Api.Password);
    }

    [Fact]
    public async Task RevokedOnAnotherNode_PickedUpWithinAPoll()
    {
        var (email, _) = await AccountAsync();
        var session = await SignInAsync(email);

        // Another node's write: straight into the shared database, not through this node's writer.
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
            var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
            await db.Sessions.Where(s => s.UserId == userId)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.RevokedAt, host.Clock.GetUtcNow()).SetProperty(s => s.RevokedReason, "signed_out"));
        }

        await Eventually.UntilAsync(async () => (await host.RequestAsync(HttpMethod.Get, "/api/v1/homes", session.Access)).StatusCode == HttpStatusCode.Unauthorized,
            "the token revoked on another node gets 401");
    }

    [Fact]
    public async Task Restart_RevokedSessionStaysRevoked()
    {
        var (email, _) = await AccountAsync();
        var session = await SignInAsync(email);
        (await host.RequestAsync(HttpMethod.Post, "/api/v1/auth/logout", session.Access)).EnsureSuccessStatusCode();

        await host.RestartAsync();

        await AssertSignedOutAsync(session.Access);
    }

    private async Task AssertSignedOutAsync(string accessToken)
    {
        foreach (var (method, path) in new[] { (HttpMethod.Get, "/api/v1/homes"), (HttpMethod.Get, "/api/v1/courier/deliveries"), (HttpMethod.Post, "/api/v1/auth/logout") })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await host.RequestAsync(method, path, accessToken)).StatusCode);
        }
    }

    private async Task<(string Email, string Token)> AccountAsync()
    {
        var email = $"s{Guid.NewGuid():N}@example.test";
        var (_, token) = await host.ResidentAsync(email);
        return (email, token);
    }

    private async Task<(string Access, string Refresh)> SignInAsync(string email) =>
        Tokens(await (await host.RequestAsync(HttpMethod.Post, "/api/v1/auth/login", null, new { email, password = Api.Password })).JsonAsync(HttpStatusCode.OK));

    private Task<HttpResponseMessage> RefreshAsync(string refreshToken) =>
        host.RequestAsync(HttpMethod.Post, "/api/v1/auth/refresh", null, new { refreshToken });

    private static (string Access, string Refresh) Tokens(JsonElement body) =>
        (body.GetProperty("accessToken").GetString()!, body.GetProperty("refreshToken").GetString()!);
}
