using System.Security.Cryptography;
using Threshold.Protocol.Commands;

namespace Threshold.Protocol.Tests.Commands;

public sealed class CommandSignerGuidTests : IDisposable
{
    private readonly CommandFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    private CommandVerifier VerifierFor(Guid hub) =>
        new(new Dictionary<string, ECDsa> { [fixture.Kid] = fixture.ServerKey }, CommandFixture.Issuer, hub, fixture.Time, CommandFixture.Skew);

    [Fact]
    public void Sign_GuidIds_AudienceInTheOneSpellingAndVerifiedByTheGuidVerifier()
    {
        var hub = Guid.NewGuid();
        var lockId = Guid.NewGuid();

        var result = VerifierFor(hub).Verify(fixture.Signer.Sign(hub, lockId, CommandNames.Unlock));

        Assert.True(result.Ok, result.Error);
        Assert.Equal(hub.ToString("D"), result.Claims!.HubId);
        Assert.Equal(lockId.ToString("D"), result.Claims.DeviceId);
    }

    [Theory]
    [InlineData("N")]
    [InlineData("B")]
    public void Verify_AudienceInAnotherSpelling_WrongAudience(string format)
    {
        var hub = Guid.NewGuid();

        var result = VerifierFor(hub).Verify(fixture.Signer.Sign(hub.ToString(format), Guid.NewGuid().ToString(), CommandNames.Unlock));

        Assert.Equal(ProtocolErrors.WrongAudience, result.Error);
    }
}
