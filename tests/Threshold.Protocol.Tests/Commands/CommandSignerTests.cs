using System.Security.Cryptography;
using System.Text.Json;
using Threshold.Protocol.Commands;

namespace Threshold.Protocol.Tests.Commands;

public sealed class CommandSignerTests : IDisposable
{
    private readonly CommandFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void Sign_ThenVerify_RoundTripsEveryClaim()
    {
        var args = new Dictionary<string, string> { ["code"] = "c2VhbGVk", ["slot"] = "3" };
        var token = _f.Signer.Sign(CommandFixture.HubId, "lock-7", "unlock", args, jti: "fixed-jti");

        var result = _f.Verifier.Verify(token);

        Assert.True(result.Ok, result.Error);
        Assert.Null(result.Error);
        var c = Assert.IsType<CommandClaims>(result.Claims);
        Assert.Equal(CommandFixture.Issuer, c.Issuer);
        Assert.Equal(CommandFixture.HubId, c.HubId);
        Assert.Equal("lock-7", c.DeviceId);
        Assert.Equal("fixed-jti", c.Jti);
        Assert.Equal("unlock", c.Command);
        Assert.Equal(args, c.Args);
        Assert.Equal(_f.Time.GetUtcNow(), c.IssuedAt);
        Assert.Equal(c.IssuedAt, c.NotBefore);
        Assert.Equal(TimeSpan.FromSeconds(30), c.ExpiresAt - c.IssuedAt);
    }

    [Fact]
    public void Sign_NoArgs_WritesEmptyArgsObject()
    {
        var token = _f.Signer.Sign(CommandFixture.HubId, "lock-1", "lock");

        var args = Jwt.Part(token, 1).GetProperty("args");

        Assert.Equal(JsonValueKind.Object, args.ValueKind);
        Assert.Empty(args.EnumerateObject());
        Assert.Empty(_f.Verifier.Verify(token).Claims!.Args);
    }

    [Fact]
    public void Sign_Header_HasExactlyEs256KidAndCommandType()
    {
        var token = _f.Signer.Sign(CommandFixture.HubId, "lock-1", "unlock");

        var header = Jwt.Part(token, 0);

        Assert.Equal(["alg", "kid", "typ"], header.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("ES256", header.GetProperty("alg").GetString());
        Assert.Equal(_f.Kid, header.GetProperty("kid").GetString());
        Assert.Equal("thr-cmd+jwt", header.GetProperty("typ").GetString());
        Assert.Equal(64, Convert.FromBase64String(ToBase64(token.Split('.')[2])).Length);
    }

    [Fact]
    public void Sign_DefaultJti_IsFresh128BitBase64Url()
    {
        var a = _f.Signer.Sign(CommandFixture.HubId, "lock-1", "unlock");
        var b = _f.Signer.Sign(CommandFixture.HubId, "lock-1", "unlock");

        var jtiA = Jwt.Part(a, 1).GetProperty("jti").GetString()!;
        var jtiB = Jwt.Part(b, 1).GetProperty("jti").GetString()!;

        Assert.NotEqual(jtiA, jtiB);
        Assert.Equal(16, Convert.FromBase64String(ToBase64(jtiA)).Length);
        Assert.DoesNotContain('=', jtiA);
    }

    [Fact]
    public void Sign_LifetimeOf60Seconds_IsAcceptedAtTheCap()
    {
        var token = _f.Signer.Sign(CommandFixture.HubId, "lock-1", "unlock", lifetime: TimeSpan.FromSeconds(60));

        var result = _f.Verifier.Verify(token);

        Assert.True(result.Ok, result.Error);
        Assert.Equal(TimeSpan.FromSeconds(60), result.Claims!.ExpiresAt - result.Claims.IssuedAt);
    }

    [Theory]
    [InlineData(61)]
    [InlineData(3600)]
    [InlineData(0)]
    [InlineData(-1)]
    public void Sign_LifetimeOutsideRange_Throws(int seconds)
    {
        Assert.Throws<ArgumentOutOfRangeException>(
            () => _f.Signer.Sign(CommandFixture.HubId, "lock-1", "unlock", lifetime: TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void Constructor_P384Key_ThrowsInvalidKey()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        var ex = Assert.Throws<ProtocolException>(() => new CommandSigner(p384, "kid", "iss", _f.Time));

        Assert.Equal("invalid_key", ex.Code);
    }

    [Fact]
    public void VerifierConstructor_P384TrustedKey_ThrowsInvalidKey()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var keys = new Dictionary<string, ECDsa> { ["k"] = p384 };

        var ex = Assert.Throws<ProtocolException>(
            () => new CommandVerifier(keys, "iss", "hub", _f.Time, TimeSpan.Zero));

        Assert.Equal("invalid_key", ex.Code);
    }

    private static string ToBase64(string base64Url)
    {
        var s = base64Url.Replace('-', '+').Replace('_', '/');
        return s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
    }
}
