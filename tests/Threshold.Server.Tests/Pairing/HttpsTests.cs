using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Threshold.Hub.Pairing;
using Threshold.Hub.Storage;
using Threshold.Protocol.Pairing;
using Threshold.Server.Tests.Support;
using Threshold.Server.Tls;

namespace Threshold.Server.Tests.Pairing;

/// <summary>The server serves HTTPS with the certificate the pairing string names (Tls/), and plain HTTP to loopback only.</summary>
public sealed class HttpsTests : IAsyncLifetime
{
    private ServerHost host = null!;
    private World world = null!;
    private Uri https = null!;

    public async Task InitializeAsync()
    {
        host = await ServerHost.StartAsync(new Dictionary<string, string> { ["urls"] = "http://127.0.0.1:0;https://127.0.0.1:0" });
        world = await World.CreateAsync(host);
        https = new Uri(host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single(a => a.StartsWith("https:", StringComparison.Ordinal)));
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Https_ServesTheCertificateThePairingStringNames()
    {
        var pairing = PairingString.Parse(await host.PairingStringAsync(world.OwnerToken, world.HomeId));
        string? presented = null;
        using var client = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    presented = certificate is null ? null : Fingerprint.OfCertificate(certificate);
                    return true;
                },
            },
        });

        var health = await client.GetAsync(new Uri(https, "/health"));

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(pairing.CertificateFingerprint, presented);
        Assert.Equal(host.Services.GetRequiredService<ServerCertificate>().Fingerprint, presented);
    }

    [Fact]
    public async Task Pair_OverHttpsWithThePairingString_TrustsTheServersOwnCertificateByItsPin()
    {
        var dir = Path.Combine(host.DataDir, "hub-https");
        var pairing = await host.PairingStringAsync(world.OwnerToken, world.HomeId);
        using var http = PairingTransport.CreateHttpClient(PairingString.Parse(pairing));

        var identity = await HubPairing.PairAsync(http, https.ToString(), pairing, "hub", dir, CancellationToken.None);

        Assert.Equal(host.Services.GetRequiredService<ServerCertificate>().Fingerprint, identity.Mqtt.CertificateSha256);
        Assert.True(HubDataDirectory.IsPaired(dir));
    }

    [Fact]
    public async Task Pair_OverHttpsWithABareCode_SelfSignedCertificateNotTrusted()
    {
        var dir = Path.Combine(host.DataDir, "hub-bare");
        var code = await host.PairingCodeAsync(world.OwnerToken, world.HomeId);
        using var http = PairingTransport.CreateHttpClient(anchor: null);

        await Assert.ThrowsAsync<HttpRequestException>(() => HubPairing.PairAsync(http, https.ToString(), code, "hub", dir, CancellationToken.None));

        Assert.False(HubDataDirectory.IsPaired(dir));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("192.168.1.20", false)]
    [InlineData("::ffff:192.168.1.20", false)]
    [InlineData("2001:db8::1", false)]
    public void PlainHttp_ServedOnlyToLoopbackClients(string remote, bool served) =>
        Assert.Equal(served, TlsSetup.IsLoopback(IPAddress.Parse(remote)));

    [SkippableFact]
    public void GeneratedCertificate_EcdsaP256WithAKeyReadableOnlyByTheServer()
    {
        Skip.If(OperatingSystem.IsWindows(), "POSIX file modes");
        var key = Path.Combine(host.DataDir, "tls", ServerCertificate.KeyFile);

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }

        using var certificate = X509Certificate2.CreateFromPemFile(Path.Combine(host.DataDir, "tls", ServerCertificate.CertificateFile), key);
        using var publicKey = certificate.GetECDsaPublicKey();
        Assert.Equal(ECCurve.NamedCurves.nistP256.Oid.Value, publicKey!.ExportParameters(false).Curve.Oid.Value);
    }
}
