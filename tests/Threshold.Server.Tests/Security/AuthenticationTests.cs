using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Security;

/// <summary>Credentials that are not quite right: garbled, forged, expired, wrong scheme, brute-forced.</summary>
public sealed class AuthenticationTests : IAsyncLifetime
{
    private ServerHost host = null!;
    private World world = null!;

    public async Task InitializeAsync()
    {
        host = await ServerHost.StartAsync();
        world = await World.CreateAsync(host);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    private Task<HttpResponseMessage> WithAuthorization(string path, string authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return host.Client().SendAsync(request);
    }

    [Fact]
    public async Task Bearer_ForgedOrGarbledToken_Unauthorized()
    {
        var real = world.OwnerToken;
        var middle = real.Length / 2;
        var tampered = real[..middle] + (real[middle] == 'A' ? 'B' : 'A') + real[(middle + 1)..];
        var forged = new Dictionary<string, string>
        {
            ["garbage"] = "Bearer not-a-token",
            ["jwt-looking"] = "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
            ["one character changed"] = "Bearer " + tampered,
            ["truncated"] = "Bearer " + real[..(real.Length - 10)],
            ["token with junk appended"] = "Bearer " + real + "AAAA",
            ["empty"] = "Bearer ",
            ["huge"] = "Bearer " + new string('A', 8000),
        };

        // The real token works, so each refusal below is down to the alteration.
        await (await host.Client(real).GetAsync($"/api/v1/homes/{world.HomeId}")).JsonAsync(HttpStatusCode.OK);
        foreach (var (name, header) in forged)
        {
            var response = await WithAuthorization($"/api/v1/homes/{world.HomeId}", header);
            await response.ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized", "*", name);
        }
    }

    [Fact]
    public async Task Authorization_UnknownOrWrongScheme_Unauthorized()
    {
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes("someone@example.test:" + Api.Password));
        var cases = new Dictionary<string, (string Path, string Header)>
        {
            ["Basic credentials"] = ($"/api/v1/homes/{world.HomeId}", "Basic " + basic),
            ["a valid access token under scheme 'Token'"] = ($"/api/v1/homes/{world.HomeId}", "Token " + world.OwnerToken),
            ["a valid access token under scheme 'Digest'"] = ($"/api/v1/homes/{world.HomeId}", "Digest " + world.OwnerToken),
            ["a valid access token with no scheme"] = ($"/api/v1/homes/{world.HomeId}", world.OwnerToken),
            ["a valid carrier key under scheme 'ApiKey'"] = ($"/api/v1/deliveries/{world.DeliveryId}", "ApiKey " + world.CarrierKey),
            ["a valid carrier key under scheme 'Basic'"] = ($"/api/v1/deliveries/{world.DeliveryId}", "Basic " + world.CarrierKey),
            ["a valid carrier key with no scheme"] = ($"/api/v1/deliveries/{world.DeliveryId}", world.CarrierKey),
            ["Negotiate"] = ($"/api/v1/homes/{world.HomeId}", "Negotiate YIIGhgYJKoZIhvcSAQICAQBuggZ1MIIGcaADAgEFoQMCAQ6iBwMFACAAAACjggT"),
        };

        foreach (var (name, (path, header)) in cases)
        {
            var response = await WithAuthorization(path, header);
            await response.ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized", "*", name);
        }

        // Credentials in the query string are not a scheme either.
        await (await host.Client().GetAsync($"/api/v1/homes/{world.HomeId}?access_token={Uri.EscapeDataString(world.OwnerToken)}"))
            .ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task CarrierKey_ValidPrefixWrongSecret_Unauthorized()
    {
        var key = world.CarrierKey;
        var lastUnderscore = key.LastIndexOf('_');
        var prefixAndId = key[..(lastUnderscore + 1)];
        var secret = key[(lastUnderscore + 1)..];
        var otherSecret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var flipped = secret[..^1] + (secret[^1] == 'A' ? 'B' : 'A');
        var (_, otherCarrierKey) = await host.CarrierAsync("Other Co");
        var otherId = otherCarrierKey[..(otherCarrierKey.LastIndexOf('_') + 1)];
        var keys = new Dictionary<string, string>
        {
            ["right key id, random secret"] = prefixAndId + otherSecret,
            ["right key id, last character of the secret changed"] = prefixAndId + flipped,
            ["right key id, another carrier's secret"] = prefixAndId + otherCarrierKey[(otherCarrierKey.LastIndexOf('_') + 1)..],
            ["another carrier's key id, this secret"] = otherId + secret,
            ["unknown key id"] = "thr_ck_0000000000000000_" + secret,
            ["right key id, no secret"] = prefixAndId,
            ["prefix only"] = "thr_ck_",
            ["key with junk appended"] = key + "x",
            ["key, secret truncated"] = key[..^5],
            ["over-long key"] = key + new string('A', 200),
        };

        // The real key works, so each refusal is down to the alteration.
        await (await host.Client(key).GetAsync($"/api/v1/deliveries/{world.DeliveryId}")).JsonAsync(HttpStatusCode.OK);
        foreach (var (name, forged) in keys)
        {
            var get = await host.SendAsync(HttpMethod.Get, $"/api/v1/deliveries/{world.DeliveryId}", forged);
            await get.ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized", "*", name);
            var cancel = await host.SendAsync(HttpMethod.Delete, $"/api/v1/deliveries/{world.DeliveryId}", forged);
            await cancel.ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized", "*", name + " (cancel)");
        }

        var delivery = await (await host.Client(key).GetAsync($"/api/v1/deliveries/{world.DeliveryId}")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("scheduled", delivery.GetProperty("status").GetString());
    }

    [Fact]
    public async Task CarrierKey_OfDeletedCarrier_Unauthorized()
    {
        var (carrierId, key) = await host.CarrierAsync("Gone Co");
        await (await host.Client(key).GetAsync("/api/v1/carrier/couriers")).JsonAsync(HttpStatusCode.OK);

        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Threshold.Server.Data.ThresholdDbContext>();
            db.Carriers.Remove(await db.Carriers.FindAsync(carrierId) ?? throw new InvalidOperationException("carrier not stored"));
            await db.SaveChangesAsync();
        }

        await (await host.Client(key).GetAsync("/api/v1/carrier/couriers")).ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task AccessToken_PastConfiguredLifetime_Unauthorized()
    {
        // ServerHost configures a one-day token lifetime.
        host.Clock.Advance(TimeSpan.FromHours(23));
        await (await host.Client(world.OwnerToken).GetAsync($"/api/v1/homes/{world.HomeId}")).JsonAsync(HttpStatusCode.OK);
        await (await host.Client(world.CourierToken).GetAsync($"/api/v1/courier/deliveries/{world.DeliveryId}")).JsonAsync(HttpStatusCode.OK);

        host.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        await (await host.Client(world.OwnerToken).GetAsync($"/api/v1/homes/{world.HomeId}")).ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await host.Client(world.CourierToken).GetAsync($"/api/v1/courier/deliveries/{world.DeliveryId}")).ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await host.Client(world.CourierToken).PostAsJsonAsync($"/api/v1/courier/deliveries/{world.DeliveryId}/arrive", Api.AtTheDoor()))
            .ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");

        // A fresh sign-in works again.
        var fresh = await host.LoginAsync(await EmailOfAsync(world.OwnerId), Api.Password);
        await (await host.Client(fresh).GetAsync($"/api/v1/homes/{world.HomeId}")).JsonAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Login_FiveWrongPasswords_LockedOutEvenWithRightPassword()
    {
        var email = $"l{Guid.NewGuid():N}@example.test";
        await (await host.Client().PostAsJsonAsync("/api/v1/auth/register", new { email, password = Api.Password, name = "Locked" })).JsonAsync(HttpStatusCode.Created);

        for (var i = 1; i <= 4; i++)
        {
            await (await host.Client().PostAsJsonAsync("/api/v1/auth/login", new { email, password = "wrong password " + i }))
                .ProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        await (await host.Client().PostAsJsonAsync("/api/v1/auth/login", new { email, password = "wrong password 5" }))
            .ProblemAsync(HttpStatusCode.Forbidden, "account_locked");
        await (await host.Client().PostAsJsonAsync("/api/v1/auth/login", new { email, password = Api.Password }))
            .ProblemAsync(HttpStatusCode.Forbidden, "account_locked");

        // Someone else's account is not affected.
        var other = $"o{Guid.NewGuid():N}@example.test";
        await (await host.Client().PostAsJsonAsync("/api/v1/auth/register", new { email = other, password = Api.Password, name = "Other" })).JsonAsync(HttpStatusCode.Created);
        await host.LoginAsync(other, Api.Password);
    }

    [Fact]
    public async Task Login_WrongPasswordsBelowLimit_CounterResetBySuccess()
    {
        var email = $"l{Guid.NewGuid():N}@example.test";
        await (await host.Client().PostAsJsonAsync("/api/v1/auth/register", new { email, password = Api.Password, name = "Typo" })).JsonAsync(HttpStatusCode.Created);
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 4; i++)
            {
                await (await host.Client().PostAsJsonAsync("/api/v1/auth/login", new { email, password = "typo typo typo" }))
                    .ProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
            }

            await host.LoginAsync(email, Api.Password);
        }
    }

    private async Task<string> EmailOfAsync(Guid userId)
    {
        // The World's owner e-mail is not returned anywhere; look it up by the id.
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Threshold.Server.Data.ThresholdDbContext>();
        var user = await db.Users.FindAsync(userId);
        return user!.Email!;
    }
}

/// <summary>Rate limits (DESIGN §5) on their own servers, with small configured limits.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task Login_OverPerMinuteLimit_RateLimited()
    {
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string> { ["Threshold:RateLimits:LoginPerMinute"] = "3" });
        var email = $"r{Guid.NewGuid():N}@example.test";
        await (await host.Client().PostAsJsonAsync("/api/v1/auth/register", new { email, password = Api.Password, name = "Limited" })).JsonAsync(HttpStatusCode.Created);

        await host.LoginAsync(email, Api.Password);
        await (await host.Client().PostAsJsonAsync("/api/v1/auth/login", new { email, password = "wrong password" })).ProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await host.LoginAsync(email, Api.Password);

        var fourth = await host.Client().PostAsJsonAsync("/api/v1/auth/login", new { email, password = Api.Password });
        await fourth.ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        // Even the right password gets no token while limited, and other endpoints are unaffected.
        await (await host.Client().PostAsJsonAsync("/api/v1/auth/login", new { email, password = Api.Password })).ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        (await host.Client().GetAsync("/health")).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Register_OverPerHourLimit_RateLimited()
    {
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string> { ["Threshold:RateLimits:RegisterPerHour"] = "2" });
        for (var i = 0; i < 2; i++)
        {
            await (await host.Client().PostAsJsonAsync("/api/v1/auth/register", new { email = $"g{Guid.NewGuid():N}@example.test", password = Api.Password, name = "N" }))
                .JsonAsync(HttpStatusCode.Created);
        }

        await (await host.Client().PostAsJsonAsync("/api/v1/auth/register", new { email = $"g{Guid.NewGuid():N}@example.test", password = Api.Password, name = "N" }))
            .ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task Arrive_OverCourierPerMinuteLimit_RateLimitedPerCourier()
    {
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string> { ["Threshold:RateLimits:CourierPerMinute"] = "3" });
        var world = await World.CreateAsync(host);

        for (var i = 0; i < 3; i++)
        {
            await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        }

        var fourth = await host.ArriveAsync(world.CourierToken, world.DeliveryId);
        await fourth.ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        await (await host.UnlockAsync(world.CourierToken, world.DeliveryId)).ProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.Empty(host.Hub.Commands);

        // The limit is per courier: a colleague still gets a real answer.
        var (_, colleague) = await host.CourierAsync(world.CarrierKey);
        await (await host.ArriveAsync(colleague, world.DeliveryId)).ProblemAsync(HttpStatusCode.Forbidden, "not_assigned");
    }
}
