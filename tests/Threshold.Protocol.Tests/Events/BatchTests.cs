using System.Security.Cryptography;
using System.Text.Json;
using Threshold.Protocol.Events;
using Threshold.Protocol.Keys;

namespace Threshold.Protocol.Tests.Events;

public sealed class BatchTests : IDisposable
{
    private const string HubId = "hub-1";
    private readonly ECDsa _hubKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly BatchSigner _signer;

    public BatchTests() => _signer = new BatchSigner(_hubKey, KeyEncoding.KeyId(_hubKey));

    public void Dispose() => _hubKey.Dispose();

    private static EventBatch Batch(string hubId = HubId, long seq = 42)
    {
        using var doc = JsonDocument.Parse("""[{"type":"door","closed":true},{"type":"lock","state":"locked","n":[1,2]}]""");
        return new EventBatch(hubId, seq, [.. doc.RootElement.EnumerateArray().Select(e => e.Clone())]);
    }

    private static string Header(string alg = "ES256", string typ = "thr-evt+jwt") => Jwt.Json(new { alg, kid = "k", typ });

    private static string Payload(string hubId = HubId, long seq = 1) => Jwt.Json(new { hubId, seq, events = Array.Empty<int>() });

    [Fact]
    public void Sign_ThenVerify_RoundTrips()
    {
        var batch = Batch();

        var result = BatchVerifier.Verify(_signer.Sign(batch), _hubKey, HubId);

        Assert.True(result.Ok, result.Error);
        var got = Assert.IsType<EventBatch>(result.Batch);
        Assert.Equal(HubId, got.HubId);
        Assert.Equal(42, got.Seq);
        Assert.Equal(batch.Events.Select(e => e.GetRawText()), got.Events.Select(e => e.GetRawText()));
    }

    [Fact]
    public void Sign_Output_HasEventTypeAndSpecifiedPayloadShape()
    {
        var token = _signer.Sign(Batch());

        Assert.Equal("thr-evt+jwt", Jwt.Part(token, 0).GetProperty("typ").GetString());
        Assert.Equal("ES256", Jwt.Part(token, 0).GetProperty("alg").GetString());
        Assert.Equal(["events", "hubId", "seq"], Jwt.Part(token, 1).EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public void Verify_PayloadCharFlipped_BadSignature()
    {
        var token = Jwt.FlipChar(_signer.Sign(Batch()), 1);

        Assert.Equal("bad_signature", BatchVerifier.Verify(token, _hubKey, HubId).Error);
    }

    [Fact]
    public void Verify_SignedByOtherKey_BadSignature()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var token = new BatchSigner(other, KeyEncoding.KeyId(_hubKey)).Sign(Batch());

        Assert.Equal("bad_signature", BatchVerifier.Verify(token, _hubKey, HubId).Error);
    }

    [Fact]
    public void Verify_BatchOfOtherHub_WrongHub()
    {
        var token = _signer.Sign(Batch(hubId: "hub-2"));

        Assert.Equal("wrong_hub", BatchVerifier.Verify(token, _hubKey, HubId).Error);
    }

    [Fact]
    public void Verify_AlgNone_AlgNotAllowed()
    {
        var token = Jwt.Unsigned(Header(alg: "none"), Payload());

        Assert.Equal("alg_not_allowed", BatchVerifier.Verify(token, _hubKey, HubId).Error);
    }

    [Fact]
    public void Verify_Hs256WithPublicKeyAsSecret_AlgNotAllowed()
    {
        var secret = Convert.FromBase64String(KeyEncoding.ExportPublicSpki(_hubKey));

        var token = Jwt.Hs256(secret, Header(alg: "HS256"), Payload());

        Assert.Equal("alg_not_allowed", BatchVerifier.Verify(token, _hubKey, HubId).Error);
    }

    [Fact]
    public void Verify_CommandTypedTokenByHubKey_WrongType()
    {
        var token = Jwt.Es256(_hubKey, Header(typ: "thr-cmd+jwt"), Payload());

        Assert.Equal("wrong_type", BatchVerifier.Verify(token, _hubKey, HubId).Error);
    }

    [Theory]
    [InlineData("""{"hubId":"hub-1","seq":1}""")]
    [InlineData("""{"hubId":"hub-1","events":[]}""")]
    [InlineData("""{"seq":1,"events":[]}""")]
    [InlineData("""{"hubId":"hub-1","seq":-1,"events":[]}""")]
    [InlineData("""{"hubId":"hub-1","seq":"1","events":[]}""")]
    [InlineData("""{"hubId":"hub-1","seq":1,"events":{}}""")]
    [InlineData("""{"hubId":"hub-2","hubId":"hub-1","seq":1,"events":[]}""")]
    [InlineData("""[]""")]
    public void Verify_SignedBadPayload_Malformed(string payload)
    {
        var token = Jwt.Es256(_hubKey, Header(), payload);

        Assert.Equal("malformed", BatchVerifier.Verify(token, _hubKey, HubId).Error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a.b")]
    [InlineData("a.b.c")]
    public void Verify_Garbage_Malformed(string token)
    {
        Assert.Equal("malformed", BatchVerifier.Verify(token, _hubKey, HubId).Error);
    }

    [Fact]
    public void Verify_ValidlySignedTokenOver256KiB_Malformed()
    {
        var payload = Jwt.Json(new { hubId = HubId, seq = 1, events = new[] { new string('x', 256 * 1024) } });

        var token = Jwt.Es256(_hubKey, Header(), payload);

        Assert.Equal("malformed", BatchVerifier.Verify(token, _hubKey, HubId).Error);
    }

    [Fact]
    public void Verify_ValidlySignedTokenJustUnder256KiB_Ok()
    {
        var payload = Jwt.Json(new { hubId = HubId, seq = 1, events = new[] { new string('x', 190 * 1024) } });

        var token = Jwt.Es256(_hubKey, Header(), payload);

        Assert.True(BatchVerifier.Verify(token, _hubKey, HubId).Ok);
    }

    [Fact]
    public void Sign_BatchOver256KiB_Throws()
    {
        using var doc = JsonDocument.Parse(JsonSerializer.Serialize(new string('x', 256 * 1024)));
        var batch = new EventBatch(HubId, 1, [doc.RootElement.Clone()]);

        var ex = Assert.Throws<ProtocolException>(() => _signer.Sign(batch));

        Assert.Equal("malformed", ex.Code);
    }
}
