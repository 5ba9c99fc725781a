using System.Net;
using System.Net.Http.Json;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Security;

/// <summary>A whole flow at the most verbose log level; no password, API key or bearer token may reach a log line.</summary>
public sealed class SecretsNotLoggedTests
{
    private const string OwnerPassword = "owner-Pa55phrase-that-must-stay-secret";
    private const string WrongPassword = "wrong-Pa55phrase-typed-by-mistake";
    private const string CourierPassword = "courier-Pa55phrase-also-secret";

    [Fact]
    public async Task WholeFlow_AtTraceLevel_NoSecretInAnyLogLine()
    {
        await using var host = await ServerHost.StartAsync(new Dictionary<string, string>
        {
            // appsettings.json quietens these two; here everything is written.
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Trace",
        });
        var client = host.Client();
        var secrets = new Dictionary<string, string>
        {
            ["owner password"] = OwnerPassword,
            ["wrong password"] = WrongPassword,
            ["courier password"] = CourierPassword,
        };

        // Register, sign in wrongly (twice: wrong password; password typed into the e-mail field), then rightly.
        var email = $"s{Guid.NewGuid():N}@example.test";
        await (await client.PostAsJsonAsync("/api/v1/auth/register", new { email, password = OwnerPassword, name = "Owner" })).JsonAsync(HttpStatusCode.Created);
        await (await client.PostAsJsonAsync("/api/v1/auth/login", new { email, password = WrongPassword })).ProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await (await client.PostAsJsonAsync("/api/v1/auth/login", new { email = OwnerPassword, password = OwnerPassword })).ProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        // A malformed body carrying the password, and a registration refused for a weak password.
        await (await host.SendAsync(HttpMethod.Post, "/api/v1/auth/login", null, $"{{\"email\":\"{email}\",\"password\":\"{OwnerPassword}\""))
            .ProblemAsync(HttpStatusCode.BadRequest, "invalid_json");
        await (await client.PostAsJsonAsync("/api/v1/auth/register", new { email = "w" + email, password = "weakpw", name = "Weak" }))
            .ProblemAsync(HttpStatusCode.BadRequest, "weak_password");
        var login = await (await client.PostAsJsonAsync("/api/v1/auth/login", new { email, password = OwnerPassword })).JsonAsync(HttpStatusCode.OK);
        var ownerToken = login.GetProperty("accessToken").GetString()!;
        secrets["owner access token"] = ownerToken;
        if (login.TryGetProperty("refreshToken", out var refresh))
        {
            secrets["owner refresh token"] = refresh.GetString()!;
        }

        // The carrier: key use (right and wrong), a courier created with it.
        var (homeId, _) = await host.HomeAsync(ownerToken);
        var (carrierId, key) = await host.CarrierAsync();
        secrets["carrier API key"] = key;
        secrets["carrier API key secret"] = key[(key.LastIndexOf('_') + 1)..];
        var wrongKey = key[..(key.LastIndexOf('_') + 1)] + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        secrets["wrong carrier key secret"] = wrongKey[(wrongKey.LastIndexOf('_') + 1)..];
        var access = await host.EnrolAsync(ownerToken, homeId, carrierId);
        await (await host.Client(wrongKey).GetAsync("/api/v1/carrier/couriers")).ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        var courierEmail = $"c{Guid.NewGuid():N}@example.test";
        var courier = await (await host.Client(key).PostAsJsonAsync("/api/v1/carrier/couriers", new { email = courierEmail, password = CourierPassword, name = "Courier" }))
            .JsonAsync(HttpStatusCode.Created);
        await (await host.Client(key).GetAsync("/api/v1/carrier/couriers")).JsonAsync(HttpStatusCode.OK);
        var courierToken = await host.LoginAsync(courierEmail, CourierPassword);
        secrets["courier access token"] = courierToken;

        // The delivery: created, assigned, arrive (once refused), unlock, relock; the owner reads the feed and audit.
        var deliveryId = await host.DeliveryAsync(key, access, courier.GetProperty("id").GetGuid());
        await (await host.ArriveAsync(courierToken, deliveryId, Api.AtTheDoor("NOT-THE-PACKAGE"))).ProblemAsync(HttpStatusCode.Forbidden, "package_mismatch");
        await (await host.ArriveAsync(courierToken, deliveryId)).JsonAsync(HttpStatusCode.OK);
        await (await host.UnlockAsync(courierToken, deliveryId)).JsonAsync(HttpStatusCode.OK);
        await (await host.Client(courierToken).PostAsync($"/api/v1/courier/deliveries/{deliveryId}/lock", null)).JsonAsync(HttpStatusCode.OK);
        await (await host.Client(ownerToken).GetAsync($"/api/v1/homes/{homeId}/events")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, (await host.Client(ownerToken).GetAsync($"/api/v1/homes/{homeId}/audit")).StatusCode);
        // A forged token is refused (and the refusal logged).
        await (await host.Client(ownerToken + "x").GetAsync("/api/v1/homes")).ProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");

        var lines = host.Logs.Lines.ToArray();
        // The sink did capture the flow, including the refusals, so an empty check cannot pass by accident.
        Assert.Contains(lines, l => l.Contains("Sign-in refused", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("CarrierKey", StringComparison.Ordinal));
        Assert.True(lines.Length > 100, $"Only {lines.Length} log lines at Trace level.");

        foreach (var (name, secret) in secrets)
        {
            Assert.True(secret.Length >= 20, $"{name} is too short to search for meaningfully");
            // Also a 20-character slice from the middle: a truncated secret is still a leak.
            var slice = secret.Substring(secret.Length / 2 - 10, 20);
            var leak = lines.FirstOrDefault(l => l.Contains(secret, StringComparison.Ordinal) || l.Contains(slice, StringComparison.Ordinal));
            Assert.True(leak is null, $"The {name} appears in a log line: {Raw.Cut(leak ?? "")}");
        }
    }
}
