using System.Security.Cryptography;
using System.Text;
using Threshold.Protocol.Keys;

namespace Threshold.Protocol.Tests.Commands;

/// <summary>Each refusal code, produced by a token crafted for exactly that case.</summary>
public sealed class CommandVerifierRefusalTests : IDisposable
{
    private readonly CommandFixture _f = new();

    public void Dispose() => _f.Dispose();

    private string Valid() => _f.Signer.Sign(CommandFixture.HubId, "lock-1", "unlock");

    [Fact]
    public void Verify_CraftedValidToken_Ok()
    {
        // Guards the crafting helpers: the refusals below differ from this only in the one thing they test.
        Assert.True(_f.Verifier.Verify(_f.Craft(_f.Claims())).Ok);
    }

    [Fact]
    public void Verify_PayloadCharFlipped_BadSignature()
    {
        Assert.Equal("bad_signature", _f.Verifier.Verify(Jwt.FlipChar(Valid(), 1)).Error);
    }

    [Fact]
    public void Verify_SignatureCharFlipped_BadSignature()
    {
        Assert.Equal("bad_signature", _f.Verifier.Verify(Jwt.FlipChar(Valid(), 2)).Error);
    }

    [Fact]
    public void Verify_SignedByOtherKeyUnderTrustedKid_BadSignature()
    {
        using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var token = _f.Craft(_f.Claims(), key: attacker);

        Assert.Equal("bad_signature", _f.Verifier.Verify(token).Error);
    }

    [Fact]
    public void Verify_DerEncodedSignature_BadSignature()
    {
        var valid = Valid();
        var input = valid[..valid.LastIndexOf('.')];
        var der = _f.ServerKey.SignData(
            Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

        Assert.Equal("bad_signature", _f.Verifier.Verify(input + "." + Jwt.B64(der)).Error);
    }

    [Fact]
    public void Verify_UnknownKid_UnknownKid()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var token = _f.Craft(_f.Claims(), _f.Header(kid: "someone-else"), other);

        Assert.Equal("unknown_kid", _f.Verifier.Verify(token).Error);
    }

    [Fact]
    public void Verify_MissingKid_Malformed()
    {
        var token = _f.Craft(_f.Claims(), Jwt.Json(new { alg = "ES256", typ = "thr-cmd+jwt" }));

        Assert.Equal("malformed", _f.Verifier.Verify(token).Error);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("None")]
    public void Verify_AlgNoneWithEmptySignature_AlgNotAllowed(string alg)
    {
        var token = Jwt.Unsigned(_f.Header(alg: alg), Jwt.Json(_f.Claims()));

        Assert.Equal("alg_not_allowed", _f.Verifier.Verify(token).Error);
    }

    [Theory]
    [InlineData("spki-der")]
    [InlineData("spki-base64")]
    [InlineData("point")]
    public void Verify_Hs256SignedWithPublicKeyAsSecret_AlgNotAllowed(string form)
    {
        var spki = KeyEncoding.ExportPublicSpki(_f.ServerKey);
        var q = _f.ServerKey.ExportParameters(false).Q;
        var secret = form switch
        {
            "spki-der" => Convert.FromBase64String(spki),
            "spki-base64" => Encoding.ASCII.GetBytes(spki),
            _ => [0x04, .. q.X!, .. q.Y!],
        };

        var token = Jwt.Hs256(secret, _f.Header(alg: "HS256"), Jwt.Json(_f.Claims()));

        Assert.Equal("alg_not_allowed", _f.Verifier.Verify(token).Error);
    }

    [Theory]
    [InlineData("RS256")]
    [InlineData("ES384")]
    [InlineData("ES512")]
    [InlineData("PS256")]
    [InlineData("es256")]
    [InlineData("ES256 ")]
    [InlineData("")]
    public void Verify_OtherAlgWithOtherwiseValidEs256Signature_AlgNotAllowed(string alg)
    {
        // The signature is a real ES256 one by the trusted key, so only the header check can refuse it.
        var token = _f.Craft(_f.Claims(), _f.Header(alg: alg));

        Assert.Equal("alg_not_allowed", _f.Verifier.Verify(token).Error);
    }

    [Fact]
    public void Verify_AlgAsArray_AlgNotAllowed()
    {
        var header = Jwt.Json(new { alg = new[] { "ES256" }, kid = _f.Kid, typ = "thr-cmd+jwt" });

        Assert.Equal("alg_not_allowed", _f.Verifier.Verify(_f.Craft(_f.Claims(), header)).Error);
    }

    [Theory]
    [InlineData("JWT")]
    [InlineData("thr-evt+jwt")]
    public void Verify_WrongTyp_WrongType(string typ)
    {
        var token = _f.Craft(_f.Claims(), _f.Header(typ: typ));

        Assert.Equal("wrong_type", _f.Verifier.Verify(token).Error);
    }

    [Fact]
    public void Verify_CritHeader_Malformed()
    {
        var header = Jwt.Json(new { alg = "ES256", kid = _f.Kid, typ = "thr-cmd+jwt", crit = new[] { "exp" } });

        Assert.Equal("malformed", _f.Verifier.Verify(_f.Craft(_f.Claims(), header)).Error);
    }

    [Fact]
    public void Verify_WrongAudience_WrongAudience()
    {
        var claims = _f.Claims();
        claims["aud"] = "hub-2";

        Assert.Equal("wrong_audience", _f.Verifier.Verify(_f.Craft(claims)).Error);
    }

    [Fact]
    public void Verify_TokenSignedForOtherHub_WrongAudience()
    {
        var token = _f.Signer.Sign("hub-2", "lock-1", "unlock");

        Assert.Equal("wrong_audience", _f.Verifier.Verify(token).Error);
    }

    [Fact]
    public void Verify_WrongIssuer_WrongIssuer()
    {
        var claims = _f.Claims();
        claims["iss"] = "https://evil.test";

        Assert.Equal("wrong_issuer", _f.Verifier.Verify(_f.Craft(claims)).Error);
    }

    [Theory]
    [InlineData("iss")]
    [InlineData("aud")]
    [InlineData("sub")]
    [InlineData("jti")]
    [InlineData("iat")]
    [InlineData("nbf")]
    [InlineData("exp")]
    [InlineData("cmd")]
    [InlineData("args")]
    public void Verify_MissingClaim_Malformed(string claim)
    {
        var claims = _f.Claims();
        Assert.True(claims.Remove(claim));

        Assert.Equal("malformed", _f.Verifier.Verify(_f.Craft(claims)).Error);
    }

    [Theory]
    [InlineData("exp", "soon")]
    [InlineData("iat", 1.5)]
    [InlineData("aud", 7)]
    [InlineData("jti", "")]
    [InlineData("args", "unlock")]
    public void Verify_ClaimOfWrongType_Malformed(string claim, object value)
    {
        var claims = _f.Claims();
        claims[claim] = value;

        Assert.Equal("malformed", _f.Verifier.Verify(_f.Craft(claims)).Error);
    }

    [Fact]
    public void Verify_NonStringArgValue_Malformed()
    {
        var claims = _f.Claims();
        claims["args"] = new Dictionary<string, object> { ["slot"] = 3 };

        Assert.Equal("malformed", _f.Verifier.Verify(_f.Craft(claims)).Error);
    }

    [Fact]
    public void Verify_DuplicateAudienceClaim_Malformed()
    {
        var json = Jwt.Json(_f.Claims());
        var payload = "{\"aud\":\"hub-2\"," + json[1..];

        Assert.Equal("malformed", _f.Verifier.Verify(Jwt.Es256(_f.ServerKey, _f.Header(), payload)).Error);
    }

    [Fact]
    public void Verify_SignedPayloadNotJson_Malformed()
    {
        Assert.Equal("malformed", _f.Verifier.Verify(Jwt.Es256(_f.ServerKey, _f.Header(), "not json")).Error);
    }

    [Fact]
    public void Verify_PaddedSignatureSegment_Malformed()
    {
        // 64 bytes encode to 86 chars; "==" makes it padded base64url, a second spelling of the same token.
        Assert.Equal("malformed", _f.Verifier.Verify(Valid() + "==").Error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a.b")]
    [InlineData("a.b.c")]
    [InlineData("..")]
    [InlineData("!!!.###.$$$")]
    [InlineData("eyJhbGciOiJFUzI1NiJ9.e30")]
    [InlineData("a.b.c.d.e")]
    public void Verify_Garbage_Malformed(string token)
    {
        Assert.Equal("malformed", _f.Verifier.Verify(token).Error);
    }

    [Fact]
    public void Verify_Null_Malformed()
    {
        Assert.Equal("malformed", _f.Verifier.Verify(null!).Error);
    }

    [Fact]
    public void Verify_OneMegabyteString_Malformed()
    {
        Assert.Equal("malformed", _f.Verifier.Verify(new string('A', 1 << 20)).Error);
    }

    [Fact]
    public void Verify_ValidlySignedTokenOver16KiB_Malformed()
    {
        var claims = _f.Claims();
        claims["args"] = new Dictionary<string, string> { ["blob"] = new string('x', 16 * 1024) };

        Assert.Equal("malformed", _f.Verifier.Verify(_f.Craft(claims)).Error);
    }
}
