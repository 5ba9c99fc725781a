using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Threshold.Hub.Pairing;
using Threshold.Hub.Storage;
using Threshold.Protocol.Keys;
using Threshold.Protocol.Pairing;

namespace Threshold.Hub.Tests;

/// <summary>
/// The hub holds a pairing answer to the owner's pairing string and pairs over plain HTTP or MQTT only on loopback
/// (Pairing/PairingAnchor.cs, Pairing/PairingTransport.cs). Through real sockets: Threshold.Server.Tests' PairingProxyTests.
/// </summary>
public sealed class PairingAnchorTests : IDisposable
{
    private static readonly string CertificateFingerprint = Base64Url.EncodeToString(SHA256.HashData("the server's certificate"u8));
    private readonly string dir = Path.Combine(Path.GetTempPath(), "thr-anchor-" + Guid.NewGuid().ToString("N"));
    private readonly ECDsa serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose()
    {
        serverKey.Dispose();
        otherKey.Dispose();
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("http://192.168.1.20:5000/", false)]
    [InlineData("http://threshold.example/", false)]
    [InlineData("http://127.0.0.1:5000/", true)]
    [InlineData("http://127.8.9.10/", true)]
    [InlineData("http://localhost:5000/", true)]
    [InlineData("http://[::1]:5000/", true)]
    [InlineData("https://threshold.example/", true)]
    [InlineData("https://192.168.1.20:5001/", true)]
    public void RefusalBeforePairing_WithoutPairingString_OnlyLoopbackOrHttps(string url, bool allowed)
    {
        var refusal = PairingTransport.RefusalBeforePairing(new Uri(url), anchor: null);

        Assert.Equal(allowed, refusal is null);
        if (refusal is var (code, message))
        {
            Assert.Equal(PairingTransport.PlainHttpNeedsPairingString, code);
            Assert.Contains("--pairing", message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("http://192.168.1.20:5000/")]
    [InlineData("http://threshold.example/")]
    public void RefusalBeforePairing_WithPairingString_PlainHttpAnywhere(string url) =>
        Assert.Null(PairingTransport.RefusalBeforePairing(new Uri(url), PairingString.Parse(Pairing())));

    [Fact]
    public void RefusalBeforePairing_NotHttp_Refused() =>
        Assert.Equal(PairingTransport.BadServerUrl, PairingTransport.RefusalBeforePairing(new Uri("ftp://server.test/"), null)?.Code);

    [Fact]
    public async Task Pair_BareCodeOverPlainHttpToAnotherMachine_RefusedBeforeSendingAnything()
    {
        var sent = 0;
        using var http = new HttpClient(new Answering(_ =>
        {
            sent++;
            return Answer(PairAnswer(serverKey));
        }));

        var e = await Assert.ThrowsAsync<HubPairingException>(() => HubPairing.PairAsync(http, "http://192.168.1.20:5000", "ABCD-EFGH-JKMN", "hub", dir, CancellationToken.None));

        Assert.Equal(PairingTransport.PlainHttpNeedsPairingString, e.Code);
        Assert.Equal(0, sent);
        AssertNothingStored();
    }

    [Fact]
    public async Task Pair_AnswerWithAnotherServerKey_RefusedAndNothingStored()
    {
        using var http = new HttpClient(new Answering(_ => Answer(PairAnswer(otherKey))));

        var e = await Assert.ThrowsAsync<HubPairingException>(() => HubPairing.PairAsync(http, "http://server.test", Pairing(), "hub", dir, CancellationToken.None));

        Assert.Equal(PairingAnchor.ServerKeyMismatch, e.Code);
        Assert.Contains("not the key in the pairing string", e.Message, StringComparison.Ordinal);
        AssertNothingStored();
    }

    [Fact]
    public async Task Pair_AnswerWithAnExtraServerKey_RefusedAndNothingStored()
    {
        // The real key and one of the attacker's beside it: the hub would trust both.
        using var http = new HttpClient(new Answering(_ => Answer(PairAnswer(serverKey, extraKey: otherKey))));

        var e = await Assert.ThrowsAsync<HubPairingException>(() => HubPairing.PairAsync(http, "http://server.test", Pairing(), "hub", dir, CancellationToken.None));

        Assert.Equal(PairingAnchor.ServerKeyMismatch, e.Code);
        AssertNothingStored();
    }

    [Fact]
    public async Task Pair_AnswerWithAnotherBrokerCertificate_RefusedAndNothingStored()
    {
        var other = Base64Url.EncodeToString(SHA256.HashData("somebody else's certificate"u8));
        using var http = new HttpClient(new Answering(_ => Answer(PairAnswer(serverKey, certificate: other))));

        var e = await Assert.ThrowsAsync<HubPairingException>(() => HubPairing.PairAsync(http, "http://server.test", Pairing(), "hub", dir, CancellationToken.None));

        Assert.Equal(PairingAnchor.CertificateMismatch, e.Code);
        AssertNothingStored();
    }

    [Fact]
    public async Task Pair_AnswerOfferingPlainMqttToAnotherMachine_RefusedAndNothingStored()
    {
        using var http = new HttpClient(new Answering(_ => Answer(PairAnswer(serverKey, certificate: null, host: "192.168.1.20"))));

        var e = await Assert.ThrowsAsync<HubPairingException>(() => HubPairing.PairAsync(http, "http://server.test", Pairing(), "hub", dir, CancellationToken.None));

        Assert.Equal(PairingTransport.PlainMqttRefused, e.Code);
        AssertNothingStored();
    }

    [Fact]
    public async Task Pair_MatchingAnswer_StoresTheCertificatePin()
    {
        using var http = new HttpClient(new Answering(_ => Answer(PairAnswer(serverKey, host: "192.168.1.20"))));

        var identity = await HubPairing.PairAsync(http, "http://server.test", Pairing(), "hub", dir, CancellationToken.None);

        Assert.Equal(CertificateFingerprint, identity.Mqtt.CertificateSha256);
        Assert.Equal(CertificateFingerprint, HubDataDirectory.LoadIdentity(dir).Mqtt.CertificateSha256);
    }

    [Theory]
    [InlineData("thr1:ABCD-EFGH-JKMN")]
    [InlineData("thr1:ABCD-EFGH:x:y")]
    [InlineData("thr1:ABCD-EFGH-JKMN:notafingerprint:alsonot")]
    public async Task Pair_MalformedPairingString_RefusedBeforeSendingAnything(string pairing)
    {
        var sent = 0;
        using var http = new HttpClient(new Answering(_ =>
        {
            sent++;
            return Answer(PairAnswer(serverKey));
        }));

        var e = await Assert.ThrowsAsync<HubPairingException>(() => HubPairing.PairAsync(http, "http://127.0.0.1:5000", pairing, "hub", dir, CancellationToken.None));

        Assert.Equal(PairingString.Invalid, e.Code);
        Assert.Equal(0, sent);
        AssertNothingStored();
    }

    private void AssertNothingStored()
    {
        Assert.False(HubDataDirectory.IsPaired(dir));
        Assert.False(File.Exists(Path.Combine(dir, HubDataDirectory.SigningKeyFile)));
        Assert.False(File.Exists(Path.Combine(dir, HubDataDirectory.SealingKeyFile)));
    }

    private string Pairing() => PairingString.Format("ABCD-EFGH-JKMN", Fingerprint.OfSpki(KeyEncoding.ExportPublicSpki(serverKey)), CertificateFingerprint);

    private static string PairAnswer(ECDsa key, ECDsa? extraKey = null, string? certificate = "default", string host = "127.0.0.1")
    {
        string Key(ECDsa k) => $$"""{"kid": "{{KeyEncoding.KeyId(k)}}", "spki": "{{KeyEncoding.ExportPublicSpki(k)}}"}""";
        var keys = extraKey is null ? Key(key) : Key(key) + ", " + Key(extraKey);
        var pin = certificate switch
        {
            null => "",
            "default" => $", \"certificateSha256\": \"{CertificateFingerprint}\"",
            _ => $", \"certificateSha256\": \"{certificate}\"",
        };
        return $$"""
            {
              "hubId": "11111111-2222-3333-4444-555555555555",
              "homeId": "99999999-2222-3333-4444-555555555555",
              "locks": [{"id": "77777777-2222-3333-4444-555555555555", "name": "Front door"}],
              "timeZone": "Europe/Berlin",
              "issuer": "threshold-server",
              "serverKeys": [{{keys}}],
              "mqtt": {"host": "{{host}}", "port": 8883, "username": "hub-11111111-2222-3333-4444-555555555555", "password": "pw", "topicPrefix": "thr/v1/hubs/11111111-2222-3333-4444-555555555555/"{{pin}}}
            }
            """;
    }

    private static HttpResponseMessage Answer(string json) => new(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private sealed class Answering(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromResult(respond(request));
    }
}
