using System.Security.Cryptography;
using Threshold.Protocol.Access;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Keys;

namespace Threshold.Protocol.Tests.Commands;

public sealed class CommandArgsTests
{
    [Fact]
    public void DoorCommandArgs_RoundTrip_ThroughTheArgsMap()
    {
        var args = new DoorCommandArgs(AccessReference.Delivery(Guid.NewGuid()));

        var map = args.ToArgs();

        Assert.Equal(["reference"], map.Keys);
        Assert.True(DoorCommandArgs.TryRead(map, out var read));
        Assert.Equal(args, read);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("delivery:42")]
    public void DoorCommandArgs_MissingOrBadReference_False(string? reference)
    {
        var map = reference is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["reference"] = reference };

        Assert.False(DoorCommandArgs.TryRead(map, out _));
    }

    [Fact]
    public void SyncCredentialsArgs_RoundTrip_VersionAsDecimalString()
    {
        var args = new SyncCredentialsArgs(12, "c2VhbGVk");

        var map = args.ToArgs();

        Assert.Equal("12", map["version"]);
        Assert.Equal("c2VhbGVk", map["set"]);
        Assert.True(SyncCredentialsArgs.TryRead(map, out var read));
        Assert.Equal(args, read);
    }

    [Theory]
    [InlineData(null, "x")]
    [InlineData("0", "x")]
    [InlineData("-1", "x")]
    [InlineData("012", "x")]
    [InlineData("+12", "x")]
    [InlineData(" 12", "x")]
    [InlineData("1e3", "x")]
    [InlineData("12.0", "x")]
    [InlineData("99999999999999999999", "x")]
    [InlineData("12", null)]
    [InlineData("12", "")]
    public void SyncCredentialsArgs_BadVersionOrSet_False(string? version, string? set)
    {
        var map = new Dictionary<string, string>();
        if (version is not null)
        {
            map["version"] = version;
        }

        if (set is not null)
        {
            map["set"] = set;
        }

        Assert.False(SyncCredentialsArgs.TryRead(map, out _));
    }

    [Fact]
    public void SyncCredentialsArgs_ToString_NeverTheSealedSet() =>
        Assert.DoesNotContain("secret-blob", new SyncCredentialsArgs(3, "secret-blob").ToString(), StringComparison.Ordinal);

    [Fact]
    public void RotateKeyArgs_RoundTrip_KidDerivedFromTheKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = KeyEncoding.ExportPublicSpki(key);
        var args = new RotateKeyArgs(KeyEncoding.KeyId(spki), spki);

        var map = args.ToArgs();

        Assert.Equal(["kid", "spki"], map.Keys.Order());
        Assert.True(RotateKeyArgs.TryRead(map, out var read));
        Assert.Equal(args, read);
    }

    public static TheoryData<string> BadRotations => ["missing_kid", "missing_spki", "other_kid", "not_a_key", "p384", "empty_kid"];

    [Theory]
    [MemberData(nameof(BadRotations))]
    public void RotateKeyArgs_KidNotOfTheKeyOrNoP256Key_False(string kind)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var spki = KeyEncoding.ExportPublicSpki(key);
        var p384Spki = Convert.ToBase64String(p384.ExportSubjectPublicKeyInfo());
        var map = kind switch
        {
            "missing_kid" => new Dictionary<string, string> { ["spki"] = spki },
            "missing_spki" => new Dictionary<string, string> { ["kid"] = KeyEncoding.KeyId(spki) },
            // A kid that names another key: the hub would file the new key under a kid that is not its own.
            "other_kid" => new RotateKeyArgs(KeyEncoding.KeyId(other), spki).ToArgs(),
            "not_a_key" => new Dictionary<string, string> { ["kid"] = "abc", ["spki"] = "bm90IGEga2V5" },
            "p384" => new Dictionary<string, string> { ["kid"] = KeyEncoding.KeyId(p384Spki), ["spki"] = p384Spki },
            _ => new Dictionary<string, string> { ["kid"] = "", ["spki"] = spki },
        };

        Assert.False(RotateKeyArgs.TryRead(map, out _));
    }

    [Fact]
    public void CommandNames_Door_UnlockOrLock()
    {
        Assert.Equal("unlock", CommandNames.ForDoor(unlock: true));
        Assert.Equal("lock", CommandNames.ForDoor(unlock: false));
        Assert.Equal("sync_credentials", CommandNames.SyncCredentials);
        Assert.Equal("rotate_key", CommandNames.RotateKey);
    }
}
