namespace Threshold.Protocol.Tests.Commands;

/// <summary>exp / nbf / iat against the injected clock, with 5 s skew.</summary>
public sealed class CommandVerifierTimeTests : IDisposable
{
    private readonly CommandFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public void Verify_ClockPastExpiryPlusSkew_Expired()
    {
        var token = _f.Signer.Sign(CommandFixture.HubId, "lock-1", "unlock");

        _f.Time.Advance(TimeSpan.FromSeconds(30) + CommandFixture.Skew + TimeSpan.FromSeconds(1));

        Assert.Equal("expired", _f.Verifier.Verify(token).Error);
    }

    [Fact]
    public void Verify_ClockExactlyAtExpiryPlusSkew_Expired()
    {
        var token = _f.Signer.Sign(CommandFixture.HubId, "lock-1", "unlock");

        _f.Time.Advance(TimeSpan.FromSeconds(30) + CommandFixture.Skew);

        Assert.Equal("expired", _f.Verifier.Verify(token).Error);
    }

    [Fact]
    public void Verify_ClockPastExpiryButInsideSkew_Ok()
    {
        var token = _f.Signer.Sign(CommandFixture.HubId, "lock-1", "unlock");

        _f.Time.Advance(TimeSpan.FromSeconds(33));

        var result = _f.Verifier.Verify(token);
        Assert.True(result.Ok, result.Error);
    }

    [Fact]
    public void Verify_NotBeforeBeyondSkew_NotYetValid()
    {
        var now = _f.Now;
        var token = _f.Craft(_f.Claims(iat: now, nbf: now + 20, exp: now + 60));

        Assert.Equal("not_yet_valid", _f.Verifier.Verify(token).Error);
    }

    [Fact]
    public void Verify_NotBeforeInsideSkew_Ok()
    {
        var now = _f.Now;
        var token = _f.Craft(_f.Claims(iat: now + 4, nbf: now + 4, exp: now + 30));

        var result = _f.Verifier.Verify(token);

        Assert.True(result.Ok, result.Error);
    }

    [Fact]
    public void Verify_NotBeforeInFutureThenClockCatchesUp_Ok()
    {
        var now = _f.Now;
        var token = _f.Craft(_f.Claims(iat: now + 20, nbf: now + 20, exp: now + 50));
        Assert.Equal("not_yet_valid", _f.Verifier.Verify(token).Error);

        _f.Time.Advance(TimeSpan.FromSeconds(20));

        Assert.True(_f.Verifier.Verify(token).Ok);
    }

    [Fact]
    public void Verify_FarFutureIatWithEarlyNbf_NotYetValid()
    {
        // exp - iat is only 60 s, but nbf = now would make the token usable for a whole day.
        var now = _f.Now;
        var token = _f.Craft(_f.Claims(iat: now + 86_400, nbf: now, exp: now + 86_460));

        Assert.Equal("not_yet_valid", _f.Verifier.Verify(token).Error);
    }

    [Fact]
    public void Verify_LifetimeOf61Seconds_LifetimeTooLong()
    {
        var now = _f.Now;
        var token = _f.Craft(_f.Claims(iat: now, exp: now + 61));

        Assert.Equal("lifetime_too_long", _f.Verifier.Verify(token).Error);
    }

    [Fact]
    public void Verify_LifetimeOf60SecondsCraftedByHand_Ok()
    {
        var now = _f.Now;
        var token = _f.Craft(_f.Claims(iat: now, exp: now + 60));

        Assert.True(_f.Verifier.Verify(token).Ok);
    }

    [Fact]
    public void Verify_ExpiryNotAfterIssuedAt_Malformed()
    {
        var now = _f.Now;
        var token = _f.Craft(_f.Claims(iat: now, exp: now));

        Assert.Equal("malformed", _f.Verifier.Verify(token).Error);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(long.MaxValue)]
    public void Verify_ExpiryOutOfRange_Malformed(long exp)
    {
        var token = _f.Craft(_f.Claims(exp: exp));

        Assert.Equal("malformed", _f.Verifier.Verify(token).Error);
    }
}
