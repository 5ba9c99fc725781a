using System.Security.Cryptography;
using System.Text;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Credentials;
using Threshold.Protocol.Keys;
using Threshold.Protocol.Sealing;
using Threshold.Protocol.Tests.Credentials;

namespace Threshold.Protocol.Tests.Sealing;

public sealed class SealedCredentialSetTests : IDisposable
{
    private static readonly Guid Hub = Guid.Parse("0191d3c2-7a4b-7c3e-9f10-123456789abc");
    private readonly ECDiffieHellman hubKey = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose() => hubKey.Dispose();

    private ECDiffieHellman HubPublic() => KeyEncoding.ImportEcdhPublicSpki(KeyEncoding.ExportPublicSpki(hubKey));

    private SyncCredentialsArgs Seal(CredentialSetDocument set)
    {
        using var pub = HubPublic();
        return SealedCredentialSet.Seal(pub, Hub, set);
    }

    [Fact]
    public void CredentialSet_Binding_HubInItsOneSpellingAndVersion() =>
        Assert.Equal("thr-credentials/0191d3c2-7a4b-7c3e-9f10-123456789abc/12", Encoding.UTF8.GetString(SealBindings.CredentialSet(Hub, 12)));

    [Fact]
    public void Seal_ThenOpen_RoundTrips()
    {
        var set = CredentialSetSamples.Document();

        var args = Seal(set);

        Assert.Equal(12, args.Version);
        Assert.True(SealedCredentialSet.TryOpen(hubKey, Hub, args, out var opened, out var code, out var reason), reason);
        Assert.Null(code);
        Assert.Equal(set, opened);
    }

    [Fact]
    public void Seal_IsWhatTodaysHubOpens()
    {
        // Today's hub opens with Sealer and the binding spelled by hand, from the args' version text.
        var args = Seal(CredentialSetSamples.Document());
        var map = args.ToArgs();

        var plaintext = Sealer.Open(hubKey, map["set"], Encoding.UTF8.GetBytes("thr-credentials/" + Hub + "/" + map["version"]));

        Assert.Contains("\"version\":12", Encoding.UTF8.GetString(plaintext), StringComparison.Ordinal);
    }

    [Fact]
    public void TryOpen_OtherHubOrVersion_SealInvalid()
    {
        var args = Seal(CredentialSetSamples.Document());

        Assert.False(SealedCredentialSet.TryOpen(hubKey, Guid.NewGuid(), args, out _, out var otherHub, out _));
        Assert.False(SealedCredentialSet.TryOpen(hubKey, Hub, args with { Version = 13 }, out _, out var otherVersion, out _));
        Assert.Equal((ProtocolErrors.SealInvalid, ProtocolErrors.SealInvalid), (otherHub, otherVersion));
    }

    [Fact]
    public void TryOpen_SealedVersionDiffersFromTheSets_Malformed()
    {
        using var pub = HubPublic();
        var plaintext = CredentialSetJson.Write(CredentialSetSamples.Document());
        var sealedAs13 = Sealer.Seal(pub, plaintext, SealBindings.CredentialSet(Hub, 13));

        Assert.False(SealedCredentialSet.TryOpen(hubKey, Hub, new SyncCredentialsArgs(13, sealedAs13), out var set, out var code, out var reason));
        Assert.Null(set);
        Assert.Equal(ProtocolErrors.Malformed, code);
        Assert.StartsWith("version", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TryOpen_SealedGarbage_MalformedWithReason()
    {
        using var pub = HubPublic();
        var sealedJunk = Sealer.Seal(pub, """{"version":12}"""u8, SealBindings.CredentialSet(Hub, 12));

        Assert.False(SealedCredentialSet.TryOpen(hubKey, Hub, new SyncCredentialsArgs(12, sealedJunk), out _, out var code, out var reason));
        Assert.Equal(ProtocolErrors.Malformed, code);
        Assert.NotNull(reason);
    }

    [Fact]
    public void Seal_InvalidSet_Throws()
    {
        var set = CredentialSetSamples.Document(CredentialSetSamples.Guest("g", "12"));

        Assert.Equal(ProtocolErrors.Malformed, Assert.Throws<ProtocolException>(() => Seal(set)).Code);
    }
}
