using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Threshold.Hub.Pairing;
using Threshold.Hub.Storage;
using Threshold.Protocol.Keys;
using Threshold.Protocol.Pairing;

namespace Threshold.Hub.Tests;

public sealed class PairingTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "thr-pair-" + Guid.NewGuid().ToString("N"));
    private readonly ECDsa serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose()
    {
        serverKey.Dispose();
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Pair_SendsPublicKeysOnly_StoresIdentityAndPrivateKeys0600()
    {
        var handler = new FakePairHandler(req => Answer(HttpStatusCode.OK, PairAnswer()));
        using var http = new HttpClient(handler);

        var identity = await HubPairing.PairAsync(http, "http://server.test", Pairing("ABCD-EFGH-JKLM"), "Hall hub", dir, CancellationToken.None);

        Assert.Equal("http://server.test/api/v1/hubs/pair", handler.Uri!.ToString());
        using var body = JsonDocument.Parse(handler.Body!);
        Assert.Equal("ABCD-EFGH-JKLM", body.RootElement.GetProperty("code").GetString());
        Assert.Equal("Hall hub", body.RootElement.GetProperty("name").GetString());
        using var signing = KeyEncoding.ImportEcdsaPublicSpki(body.RootElement.GetProperty("signingKey").GetString()!);
        using var sealing = KeyEncoding.ImportEcdhPublicSpki(body.RootElement.GetProperty("sealingKey").GetString()!);
        Assert.DoesNotContain("PRIVATE", handler.Body, StringComparison.Ordinal);

        Assert.Equal(Guid.Parse("11111111-2222-3333-4444-555555555555"), identity.HubId);
        var loaded = HubDataDirectory.LoadIdentity(dir);
        Assert.Equal(identity.Mqtt, loaded.Mqtt);
        Assert.Equal(Guid.Parse("77777777-2222-3333-4444-555555555555"), loaded.Locks.Single().Id);
        using var storedKey = HubDataDirectory.LoadSigningKey(dir);
        Assert.Equal(KeyEncoding.ExportPublicSpki(signing), KeyEncoding.ExportPublicSpki(storedKey));
        using var storedSealing = HubDataDirectory.LoadSealingKey(dir);
        Assert.Equal(KeyEncoding.ExportPublicSpki(sealing), KeyEncoding.ExportPublicSpki(storedSealing));
        if (!OperatingSystem.IsWindows())
        {
            foreach (var file in new[] { HubDataDirectory.SigningKeyFile, HubDataDirectory.SealingKeyFile, HubDataDirectory.IdentityFile })
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, file)));
            }
        }
    }

    [Fact]
    public async Task Pair_Twice_IsRefusedUnlessForced()
    {
        using var http = new HttpClient(new FakePairHandler(_ => Answer(HttpStatusCode.OK, PairAnswer())));
        await HubPairing.PairAsync(http, "http://server.test/", Pairing(), "hub", dir, CancellationToken.None);
        var firstKey = await File.ReadAllTextAsync(Path.Combine(dir, HubDataDirectory.SigningKeyFile));

        var e = await Assert.ThrowsAsync<HubPairingException>(() => HubPairing.PairAsync(http, "http://server.test/", Pairing(), "hub", dir, CancellationToken.None));
        Assert.Equal("already_paired", e.Code);
        Assert.Equal(firstKey, await File.ReadAllTextAsync(Path.Combine(dir, HubDataDirectory.SigningKeyFile)));

        await HubPairing.PairAsync(http, "http://server.test/", Pairing(), "hub", dir, CancellationToken.None, force: true);
        Assert.NotEqual(firstKey, await File.ReadAllTextAsync(Path.Combine(dir, HubDataDirectory.SigningKeyFile)));
    }

    [Fact]
    public async Task Pair_InvalidCode_ReportsProblemCode_AndStoresNothing()
    {
        using var http = new HttpClient(new FakePairHandler(_ => Answer(HttpStatusCode.NotFound,
            """{"title":"Not found","status":404,"detail":"This pairing code is not valid.","code":"invalid_code"}""")));

        var e = await Assert.ThrowsAsync<HubPairingException>(() => HubPairing.PairAsync(http, "http://server.test", Pairing("NOPE-NOPE-NOPE"), "hub", dir, CancellationToken.None));

        Assert.Equal("invalid_code", e.Code);
        Assert.False(HubDataDirectory.IsPaired(dir));
        Assert.False(File.Exists(Path.Combine(dir, HubDataDirectory.SigningKeyFile)));
    }

    [Fact]
    public async Task Pair_IncompleteAnswer_IsRejected()
    {
        using var http = new HttpClient(new FakePairHandler(_ => Answer(HttpStatusCode.OK, """{"hubId":"x"}""")));

        var e = await Assert.ThrowsAsync<HubPairingException>(() => HubPairing.PairAsync(http, "http://server.test", Pairing(), "hub", dir, CancellationToken.None));

        Assert.Equal("bad_response", e.Code);
        Assert.False(HubDataDirectory.IsPaired(dir));
    }

    [Fact]
    public async Task Pair_AnswerWithTopicsInAnotherIdSpelling_IsRejected()
    {
        // The same hub id without dashes: the hub's topics are spelled one way only (Protocol's HubTopics).
        using var http = new HttpClient(new FakePairHandler(_ => Answer(HttpStatusCode.OK, PairAnswer("thr/v1/hubs/11111111222233334444555555555555/"))));

        var e = await Assert.ThrowsAsync<HubPairingException>(() => HubPairing.PairAsync(http, "http://server.test", Pairing(), "hub", dir, CancellationToken.None));

        Assert.Equal("bad_response", e.Code);
        Assert.False(HubDataDirectory.IsPaired(dir));
    }

    [Fact]
    public void Build_Unpaired_Throws()
    {
        var e = Assert.Throws<InvalidOperationException>(() => HubHost.Build(new HubSettings { DataDirectory = dir }));
        Assert.Contains("not paired", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The owner's pairing string for this test's server key (plain HTTP to server.test needs it).</summary>
    private string Pairing(string code = "CODE-CODE-CODE") =>
        PairingString.Format(code, Fingerprint.OfSpki(KeyEncoding.ExportPublicSpki(serverKey)), CertificateFingerprint);

    private static readonly string CertificateFingerprint = Base64Url.EncodeToString(SHA256.HashData("the server's certificate"u8));

    private string PairAnswer(string topicPrefix = "thr/v1/hubs/11111111-2222-3333-4444-555555555555/") => $$"""
        {
          "hubId": "11111111-2222-3333-4444-555555555555",
          "homeId": "99999999-2222-3333-4444-555555555555",
          "locks": [{"id": "77777777-2222-3333-4444-555555555555", "name": "Front door"}],
          "timeZone": "Europe/Berlin",
          "issuer": "threshold-server",
          "serverKeys": [{"kid": "{{KeyEncoding.KeyId(serverKey)}}", "spki": "{{KeyEncoding.ExportPublicSpki(serverKey)}}"}],
          "mqtt": {"host": "127.0.0.1", "port": 1883, "username": "hub-11111111-2222-3333-4444-555555555555", "password": "pw", "topicPrefix": "{{topicPrefix}}"}
        }
        """;

    private static HttpResponseMessage Answer(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, status == HttpStatusCode.OK ? "application/json" : "application/problem+json") };

    private sealed class FakePairHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        public Uri? Uri { get; private set; }

        public string? Body { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Assert.Equal(HttpMethod.Post, request.Method);
            Uri = request.RequestUri;
            Body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            return respond(request);
        }
    }
}
