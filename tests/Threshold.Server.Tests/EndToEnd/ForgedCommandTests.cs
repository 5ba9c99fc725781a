using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Keys;
using Threshold.Server.Hubs;
using Threshold.Server.Tests.Support;
using Threshold.Simulator;

namespace Threshold.Server.Tests.EndToEnd;

/// <summary>
/// DESIGN §5: a compromised broker or network cannot forge or replay an unlock. Every refusal is
/// replied to, reported as a hub event, and the bolt never moves.
/// </summary>
public sealed class ForgedCommandTests : IAsyncLifetime
{
    private Stack stack = null!;
    private CommandProbe probe = null!;
    private Guid hubId;

    public async Task InitializeAsync()
    {
        stack = await Stack.StartAsync();
        hubId = Threshold.Hub.Storage.HubDataDirectory.LoadIdentity(stack.HubDir).HubId;
        probe = await CommandProbe.ConnectAsync(stack.Server.Services, hubId);
    }

    public async Task DisposeAsync()
    {
        await probe.DisposeAsync();
        await stack.DisposeAsync();
    }

    [Fact]
    public async Task Replay_SameJws_RefusedAlsoAfterHubRestart()
    {
        var (id, _) = await stack.ArrivedDeliveryAsync();
        await (await stack.Server.UnlockAsync(stack.World.CourierToken, id)).JsonAsync(HttpStatusCode.OK);
        var jws = await probe.NextCommandJwsAsync();
        var jti = JwtClaim(jws, "jti");
        await stack.Devices.ManualLockAsync();
        await Eventually.UntilAsync(() => stack.Devices.GetState().Bolt == BoltPosition.Locked, "locked by hand", stack.Changes);

        await probe.SendCommandAsync(jws);
        Assert.Equal("replayed", (await probe.ReplyAsync(jti, index: 1)).GetProperty("error").GetString());

        await stack.StopHubAsync();
        await stack.StartHubAsync();
        await probe.SendCommandAsync(jws);
        Assert.Equal("replayed", (await probe.ReplyAsync(jti, index: 2)).GetProperty("error").GetString());
        Assert.Equal(BoltPosition.Locked, stack.Devices.GetState().Bolt);
    }

    [Fact]
    public async Task Forged_OtherKeyAlgNoneOtherHubExpired_AllRefusedAndReported()
    {
        var key = stack.Server.Services.GetRequiredService<ServerSigningKey>();
        var lockId = stack.World.LockId.ToString();
        using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var cases = new List<(string Jws, string Expected)>
        {
            // Another key claiming the server's key id.
            (new CommandSigner(attacker, key.KeyId, ServerSigningKey.Issuer, stack.Server.Clock).Sign(hubId.ToString(), lockId, "unlock"), "bad_signature"),
            (AlgNone(key.KeyId, hubId.ToString(), lockId, stack.Server.Clock.GetUtcNow()), "alg_not_allowed"),
            // The server's own key, but addressed to another hub.
            (key.Signer(stack.Server.Clock).Sign(Guid.NewGuid().ToString(), lockId, "unlock"), "wrong_audience"),
        };
        var expired = key.Signer(stack.Server.Clock).Sign(hubId.ToString(), lockId, "unlock", lifetime: TimeSpan.FromSeconds(10));

        foreach (var (jws, expected) in cases)
        {
            await probe.SendCommandAsync(jws);
            Assert.Equal(expected, (await probe.ReplyAsync(JwtClaim(jws, "jti"))).GetProperty("error").GetString());
        }

        stack.Server.Clock.Advance(TimeSpan.FromMinutes(2));
        await probe.SendCommandAsync(expired);
        Assert.Equal("expired", (await probe.ReplyAsync(JwtClaim(expired, "jti"))).GetProperty("error").GetString());

        await Eventually.UntilAsync(async () => (await stack.AuditAsync()).Count(e => e.Type == "hub.event" && e.Text("type") == "command_refused") >= 4, "4 command_refused events", stack.Changes);
        Assert.Equal(BoltPosition.Locked, stack.Devices.GetState().Bolt);
    }

    private static string AlgNone(string kid, string aud, string sub, DateTimeOffset at)
    {
        var now = at.ToUnixTimeSeconds();
        var header = B64(JsonSerializer.Serialize(new { alg = "none", kid, typ = "thr-cmd+jwt" }));
        var payload = B64(JsonSerializer.Serialize(new
        {
            iss = ServerSigningKey.Issuer, aud, sub, jti = Guid.NewGuid().ToString("N"), iat = now, nbf = now, exp = now + 30, cmd = "unlock", args = new { },
        }));
        return $"{header}.{payload}.";
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string JwtClaim(string jws, string claim) => CommandProbe.Claim(jws, claim);
}
