using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Threshold.Hub.Pairing;
using Threshold.Hub.Storage;
using Threshold.Protocol.Keys;
using Threshold.Protocol.Pairing;
using Threshold.Server.Hubs;
using Threshold.Server.Tests.Support;
using Threshold.Server.Tls;

namespace Threshold.Server.Tests.Pairing;

/// <summary>
/// Pairing anchored in the owner's session: the hub pairs through a proxy on the path (real sockets) with the pairing
/// string the owner got over the authenticated API; an answer the proxy changed is refused and nothing is stored.
/// </summary>
public sealed class PairingProxyTests : IAsyncLifetime
{
    private ServerHost host = null!;
    private World world = null!;
    private string hubDir = null!;

    public async Task InitializeAsync()
    {
        host = await ServerHost.StartAsync();
        world = await World.CreateAsync(host);
        hubDir = Path.Combine(host.DataDir, "hub-" + Guid.NewGuid().ToString("N"));
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task CreateCode_PairingString_NamesTheServersSigningKeyAndCertificate()
    {
        var view = await (await host.Client(world.OwnerToken).PostAsync($"/api/v1/homes/{world.HomeId}/pairing-codes", null)).JsonAsync(System.Net.HttpStatusCode.Created);

        var pairing = PairingString.Parse(view.GetProperty("pairingString").GetString());

        Assert.Equal(view.GetProperty("code").GetString(), pairing.Code);
        Assert.Equal(Fingerprint.OfSpki(host.Services.GetRequiredService<ServerSigningKey>().PublicSpki), pairing.SigningKeyFingerprint);
        Assert.Equal(Fingerprint.OfCertificate(host.Services.GetRequiredService<ServerCertificate>().Certificate), pairing.CertificateFingerprint);
    }

    [Fact]
    public async Task Pair_ThroughAnHonestProxy_PairsAndPinsTheBrokerCertificate()
    {
        await using var proxy = await PairingProxy.StartAsync(host.BaseAddress, _ => { });

        var identity = await PairThroughAsync(proxy);

        Assert.Equal(1, proxy.Rewritten);
        Assert.Equal(host.Services.GetRequiredService<ServerCertificate>().Fingerprint, identity.Mqtt.CertificateSha256);
        Assert.Equal(host.Broker.TlsPort, identity.Mqtt.Port);
        Assert.True(HubDataDirectory.IsPaired(hubDir));
    }

    [Fact]
    public async Task Pair_ProxySwapsTheServersSigningKey_FailsClearlyAndStoresNothing()
    {
        using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await using var proxy = await PairingProxy.StartAsync(host.BaseAddress, answer =>
        {
            var key = answer["serverKeys"]![0]!.AsObject();
            key["kid"] = KeyEncoding.KeyId(attacker);
            key["spki"] = KeyEncoding.ExportPublicSpki(attacker);
        });

        var e = await Assert.ThrowsAsync<HubPairingException>(() => PairThroughAsync(proxy));

        Assert.Equal(1, proxy.Rewritten);
        Assert.Equal(PairingAnchor.ServerKeyMismatch, e.Code);
        Assert.Contains("not the key in the pairing string", e.Message, StringComparison.Ordinal);
        AssertNothingStored();
    }

    [Fact]
    public async Task Pair_ProxySwapsTheBrokerCertificate_FailsClearlyAndStoresNothing()
    {
        using var rogue = TestCertificates.SelfSigned();
        await using var proxy = await PairingProxy.StartAsync(host.BaseAddress, answer =>
            answer["mqtt"]!["certificateSha256"] = Fingerprint.OfCertificate(rogue));

        var e = await Assert.ThrowsAsync<HubPairingException>(() => PairThroughAsync(proxy));

        Assert.Equal(1, proxy.Rewritten);
        Assert.Equal(PairingAnchor.CertificateMismatch, e.Code);
        Assert.Contains("not the one in the pairing string", e.Message, StringComparison.Ordinal);
        AssertNothingStored();
    }

    [Fact]
    public async Task Pair_ProxyDowngradesToPlainMqttOnAnotherMachine_FailsAndStoresNothing()
    {
        await using var proxy = await PairingProxy.StartAsync(host.BaseAddress, answer =>
        {
            var mqtt = answer["mqtt"]!.AsObject();
            mqtt.Remove("certificateSha256");
            mqtt["host"] = "192.0.2.10";
        });

        var e = await Assert.ThrowsAsync<HubPairingException>(() => PairThroughAsync(proxy));

        Assert.Equal(PairingTransport.PlainMqttRefused, e.Code);
        AssertNothingStored();
    }

    private async Task<PairingResponse> PairThroughAsync(PairingProxy proxy)
    {
        var pairing = await host.PairingStringAsync(world.OwnerToken, world.HomeId);
        using var http = new HttpClient();
        return await HubPairing.PairAsync(http, proxy.Address.ToString(), pairing, "hall hub", hubDir, CancellationToken.None);
    }

    private void AssertNothingStored()
    {
        Assert.False(HubDataDirectory.IsPaired(hubDir));
        Assert.Empty(Directory.Exists(hubDir) ? Directory.GetFiles(hubDir) : []);
    }
}
