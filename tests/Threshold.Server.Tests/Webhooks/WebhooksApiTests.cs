using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Threshold.Server.Tests.Security;
using Threshold.Server.Webhooks;

namespace Threshold.Server.Tests.Webhooks;

/// <summary>Registering, listing and removing a carrier's endpoints; what may be registered; the documented verifier.</summary>
public sealed class WebhooksApiTests : IAsyncLifetime
{
    private ServerHost host = null!;
    private Guid carrierId;
    private string key = "";

    public async Task InitializeAsync()
    {
        // Production settings: private targets refused.
        host = await ServerHost.StartAsync();
        (carrierId, key) = await host.CarrierAsync();
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Create_SecretShownOnceNeverListedNorStoredInClear()
    {
        var created = await (await Register("https://hooks.example.com/threshold", "scheduled", "completed")).JsonAsync(HttpStatusCode.Created);
        var secret = created.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);

        var list = await (await host.RequestAsync(HttpMethod.Get, "/api/v1/carrier/webhooks", key)).JsonAsync(HttpStatusCode.OK);
        var only = Assert.Single(list.EnumerateArray());
        Assert.Equal(created.GetProperty("id").GetGuid(), only.GetProperty("id").GetGuid());
        Assert.Equal(["scheduled", "completed"], only.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        Assert.False(only.TryGetProperty("secret", out _));
        await using (var scope = host.Services.CreateAsyncScope())
        {
            // Kept protected, not in clear, yet usable for signing.
            var db = scope.ServiceProvider.GetRequiredService<Threshold.Server.Data.ThresholdDbContext>();
            var stored = db.Set<WebhookSubscription>().Single().ProtectedSecret;
            Assert.DoesNotContain(secret["whsec_".Length..], stored, StringComparison.Ordinal);
            var protector = scope.ServiceProvider.GetRequiredService<IDataProtectionProvider>().CreateProtector(WebhookDispatcher.ProtectionPurpose);
            Assert.Equal(secret, protector.Unprotect(stored));
        }

        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains(secret["whsec_".Length..], StringComparison.Ordinal));
    }

    [Fact]
    public async Task Delete_OwnEndpoint_GoneWithItsMessages()
    {
        var id = (await (await Register("https://hooks.example.com/a", "scheduled")).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();

        (await host.RequestAsync(HttpMethod.Delete, $"/api/v1/carrier/webhooks/{id}", key)).EnsureSuccessStatusCode();

        Assert.Empty((await (await host.RequestAsync(HttpMethod.Get, "/api/v1/carrier/webhooks", key)).JsonAsync(HttpStatusCode.OK)).EnumerateArray());
        await (await host.RequestAsync(HttpMethod.Get, $"/api/v1/carrier/webhooks/{id}/deliveries", key)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await host.RequestAsync(HttpMethod.Delete, $"/api/v1/carrier/webhooks/{id}", key)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("https://127.0.0.1/hook")]
    [InlineData("https://10.1.2.3/hook")]
    [InlineData("https://192.168.1.1/hook")]
    [InlineData("https://172.20.0.1/hook")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://100.64.0.1/hook")]
    [InlineData("https://0.0.0.0/hook")]
    [InlineData("https://[::1]/hook")]
    [InlineData("https://[fe80::1]/hook")]
    [InlineData("https://[fd00::1]/hook")]
    [InlineData("https://[::ffff:127.0.0.1]/hook")]
    [InlineData("https://localhost/hook")]
    [InlineData("https://api.localhost/hook")]
    [InlineData("https://2130706433/hook")]
    public async Task Create_PrivateTargetWhileNotAllowed_PrivateTargetNothingWritten(string url)
    {
        var before = await DbSnapshot.TakeAsync(host);

        var problem = await (await Register(url, "scheduled")).ProblemAsync(HttpStatusCode.BadRequest, "private_target");

        Assert.Equal("url", problem.GetProperty("field").GetString());
        before.AssertUnchanged(await DbSnapshot.TakeAsync(host), url);
    }

    public static TheoryData<string, string, string> BadBodies() => new()
    {
        { """{"events":["scheduled"]}""", "missing_field", "url" },
        { """{"url":"https://hooks.example.com/x"}""", "missing_field", "events" },
        { """{"url":"hooks.example.com/x","events":["scheduled"]}""", "invalid_url", "url" },
        { """{"url":"http://hooks.example.com/x","events":["scheduled"]}""", "invalid_url", "url" },
        { """{"url":"ftp://hooks.example.com/x","events":["scheduled"]}""", "invalid_url", "url" },
        { """{"url":"https://user:pw@hooks.example.com/x","events":["scheduled"]}""", "invalid_url", "url" },
        { """{"url":"https://hooks.example.com/x#frag","events":["scheduled"]}""", "invalid_url", "url" },
        { $$"""{"url":"https://hooks.example.com/{{new string('a', 2000)}}","events":["scheduled"]}""", "invalid_url", "url" },
        { """{"url":"https://hooks.example.com/x","events":[]}""", "invalid_events", "events" },
        { """{"url":"https://hooks.example.com/x","events":["teleported"]}""", "unknown_event", "events" },
        { """{"url":"https://hooks.example.com/x","events":["Scheduled"]}""", "unknown_event", "events" },
        { """{"url":"https://hooks.example.com/x","events":[null]}""", "unknown_event", "events" },
        { """{"url":"https://hooks.example.com/x","events":["scheduled","arrived","scheduled"]}""", "duplicate_event", "events" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Create_BadInput_ProblemWithCodeNothingWritten(string body, string code, string field)
    {
        var before = await DbSnapshot.TakeAsync(host);

        var problem = await (await host.SendAsync(HttpMethod.Post, "/api/v1/carrier/webhooks", key, body)).ProblemAsync(HttpStatusCode.BadRequest, code);

        Assert.Equal(field, problem.GetProperty("field").GetString());
        before.AssertUnchanged(await DbSnapshot.TakeAsync(host), body);
    }

    [Fact]
    public async Task Create_BeyondTheCarriersLimit_Conflict()
    {
        for (var i = 0; i < 10; i++)
        {
            await (await Register($"https://hooks.example.com/{i}", "scheduled")).JsonAsync(HttpStatusCode.Created);
        }

        await (await Register("https://hooks.example.com/11", "scheduled")).ProblemAsync(HttpStatusCode.Conflict, "too_many_webhooks");
    }

    [Fact]
    public async Task OtherCarrier_CannotSeeOrRemoveTheEndpoint()
    {
        var id = (await (await Register("https://hooks.example.com/mine", "scheduled")).JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var (_, other) = await host.CarrierAsync("Other Co");
        var before = await DbSnapshot.TakeAsync(host);

        await (await host.RequestAsync(HttpMethod.Delete, $"/api/v1/carrier/webhooks/{id}", other)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await host.RequestAsync(HttpMethod.Get, $"/api/v1/carrier/webhooks/{id}/deliveries", other)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Empty((await (await host.RequestAsync(HttpMethod.Get, "/api/v1/carrier/webhooks", other)).JsonAsync(HttpStatusCode.OK)).EnumerateArray());

        before.AssertUnchanged(await DbSnapshot.TakeAsync(host), "other carrier");
    }

    [SkippableFact]
    public async Task Send_NameThatResolvesToLoopback_RefusedAtConnectNothingSent()
    {
        // The machine's own name passes registration (it is no address and no reserved name) but resolves inward, as a
        // rebinding name would at send time.
        var name = System.Net.Dns.GetHostName();
        var addresses = await System.Net.Dns.GetHostAddressesAsync(name);
        Skip.IfNot(addresses.Length > 0 && addresses.All(Threshold.Server.Infrastructure.OutboundGuard.IsPrivate), $"{name} does not resolve to private addresses only here");
        await using var receiver = await WebhookReceiver.StartAsync(() => host.Clock.GetUtcNow());
        var url = new Uri(receiver.Url);
        var created = await (await Register($"https://{name}:{url.Port}/hook", "scheduled")).JsonAsync(HttpStatusCode.Created);
        var webhook = created.GetProperty("id").GetGuid();
        var (_, owner) = await host.ResidentAsync();
        var (home, _) = await host.HomeAsync(owner);
        var access = await host.EnrolAsync(owner, home, carrierId);
        await host.DeliveryAsync(key, access, courierId: null);

        JsonElement attempt = default;
        await Eventually.UntilAsync(async () =>
        {
            var list = await (await host.RequestAsync(HttpMethod.Get, $"/api/v1/carrier/webhooks/{webhook}/deliveries", key)).JsonAsync(HttpStatusCode.OK);
            attempt = list.EnumerateArray().SingleOrDefault();
            return attempt.ValueKind == JsonValueKind.Object && attempt.GetProperty("attempts").GetInt32() >= 1;
        }, "the refused attempt recorded");

        Assert.StartsWith("target_refused", attempt.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, attempt.GetProperty("lastStatusCode").ValueKind);
        Assert.Empty(receiver.Received);
    }

    [Theory]
    [InlineData("8.8.8.8", false)]
    [InlineData("2001:4860:4860::8888", false)]
    [InlineData("127.0.0.2", true)]
    [InlineData("198.18.0.1", true)]
    [InlineData("224.0.0.1", true)]
    [InlineData("::", true)]
    [InlineData("64:ff9b::10.0.0.1", true)]
    [InlineData("64:ff9b::8.8.8.8", false)]
    [InlineData("2002:c0a8:0101::1", true)]
    [InlineData("fec0::1", true)]
    public void IsPrivate_Address_AsClassified(string address, bool expected) =>
        Assert.Equal(expected, Threshold.Server.Infrastructure.OutboundGuard.IsPrivate(System.Net.IPAddress.Parse(address)));

    [Fact]
    public void Verifier_AsDocumented_AcceptsTheSignedMessageOnlyRefusesReplayedResignedOrTampered()
    {
        var secret = WebhookSignature.NewSecret();
        var now = ServerHost.Start;
        var timestamp = now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        const string id = "msg_0123";
        const string body = """{"type":"arrived","data":{"deliveryId":"x"}}""";
        var signature = WebhookSignature.Sign(secret, id, now.ToUnixTimeSeconds(), body);
        var otherSecret = WebhookSignature.NewSecret();

        Assert.True(StandardWebhooksVerifier.Verify(secret, id, timestamp, signature, body, now));
        Assert.True(StandardWebhooksVerifier.Verify(secret, id, timestamp, "v1,AAAA " + signature, body, now.AddMinutes(4)));
        // Replayed later than the tolerance, even unchanged.
        Assert.False(StandardWebhooksVerifier.Verify(secret, id, timestamp, signature, body, now.AddMinutes(6)));
        // A fresh timestamp on the old signature; the body changed; another id; signed with a key that is not the endpoint's.
        var fresh = now.AddMinutes(6).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(StandardWebhooksVerifier.Verify(secret, id, fresh, signature, body, now.AddMinutes(6)));
        Assert.False(StandardWebhooksVerifier.Verify(secret, id, timestamp, signature, body.Replace("arrived", "completed", StringComparison.Ordinal), now));
        Assert.False(StandardWebhooksVerifier.Verify(secret, "msg_9999", timestamp, signature, body, now));
        Assert.False(StandardWebhooksVerifier.Verify(secret, id, timestamp, WebhookSignature.Sign(otherSecret, id, now.ToUnixTimeSeconds(), body + " "), body + " ", now));
        Assert.False(StandardWebhooksVerifier.Verify(secret, id, timestamp, "v2," + signature[3..], body, now));
        Assert.False(StandardWebhooksVerifier.Verify(secret, id, null, signature, body, now));
    }

    private Task<HttpResponseMessage> Register(string url, params string[] events) =>
        host.RequestAsync(HttpMethod.Post, "/api/v1/carrier/webhooks", key, new { url, events });
}
