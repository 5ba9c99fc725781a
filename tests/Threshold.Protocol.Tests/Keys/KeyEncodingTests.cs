using System.Buffers.Text;
using System.Security.Cryptography;
using Threshold.Protocol.Keys;

namespace Threshold.Protocol.Tests.Keys;

public sealed class KeyEncodingTests
{
    private static readonly byte[] Data = [1, 2, 3];

    [Fact]
    public void ImportEcdsaPublicSpki_ExportedKey_VerifiesOriginalSignatures()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signature = key.SignData(Data, HashAlgorithmName.SHA256);

        using var imported = KeyEncoding.ImportEcdsaPublicSpki(KeyEncoding.ExportPublicSpki(key));

        Assert.True(imported.VerifyData(Data, signature, HashAlgorithmName.SHA256));
    }

    [Fact]
    public void ImportEcdhPublicSpki_ExportedKey_AgreesOnSameSecret()
    {
        using var a = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var b = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

        using var aPublic = KeyEncoding.ImportEcdhPublicSpki(KeyEncoding.ExportPublicSpki(a));

        Assert.Equal(a.DeriveRawSecretAgreement(b.PublicKey), b.DeriveRawSecretAgreement(aPublic.PublicKey));
    }

    public static TheoryData<string> NonP256Curves() => ["nistP384", "nistP521", "brainpoolP256r1"];

    [Theory]
    [MemberData(nameof(NonP256Curves))]
    public void Import_OtherCurve_ThrowsInvalidKey(string curveName)
    {
        using var other = ECDsa.Create(ECCurve.CreateFromFriendlyName(curveName));
        var spki = Convert.ToBase64String(other.ExportSubjectPublicKeyInfo());

        Assert.Equal("invalid_key", Assert.Throws<ProtocolException>(() => KeyEncoding.ImportEcdsaPublicSpki(spki)).Code);
        Assert.Equal("invalid_key", Assert.Throws<ProtocolException>(() => KeyEncoding.ImportEcdhPublicSpki(spki)).Code);
    }

    [Fact]
    public void Import_RsaKey_ThrowsInvalidKey()
    {
        using var rsa = RSA.Create(2048);
        var spki = Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());

        Assert.Equal("invalid_key", Assert.Throws<ProtocolException>(() => KeyEncoding.ImportEcdsaPublicSpki(spki)).Code);
        Assert.Equal("invalid_key", Assert.Throws<ProtocolException>(() => KeyEncoding.ImportEcdhPublicSpki(spki)).Code);
    }

    public static TheoryData<string> Garbage() =>
    [
        "",
        "not base64!",
        Convert.ToBase64String(new byte[91]),
        new string('A', 100_000),
    ];

    [Theory]
    [MemberData(nameof(Garbage))]
    public void Import_Garbage_ThrowsInvalidKey(string input)
    {
        Assert.Equal("invalid_key", Assert.Throws<ProtocolException>(() => KeyEncoding.ImportEcdsaPublicSpki(input)).Code);
        Assert.Equal("invalid_key", Assert.Throws<ProtocolException>(() => KeyEncoding.ImportEcdhPublicSpki(input)).Code);
    }

    [Fact]
    public void Import_TrailingBytesAfterSpki_ThrowsInvalidKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = Convert.ToBase64String([.. key.ExportSubjectPublicKeyInfo(), 0x00]);

        Assert.Equal("invalid_key", Assert.Throws<ProtocolException>(() => KeyEncoding.ImportEcdsaPublicSpki(spki)).Code);
    }

    [Fact]
    public void ExportPublicSpki_P384Key_ThrowsInvalidKey()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        Assert.Equal("invalid_key", Assert.Throws<ProtocolException>(() => KeyEncoding.ExportPublicSpki(p384)).Code);
    }

    [Fact]
    public void KeyId_SameKeyExportedRepeatedly_IsStable()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = KeyEncoding.ExportPublicSpki(key);
        using var reimported = KeyEncoding.ImportEcdsaPublicSpki(spki);

        var kid = KeyEncoding.KeyId(spki);

        Assert.Equal(kid, KeyEncoding.KeyId(KeyEncoding.ExportPublicSpki(key)));
        Assert.Equal(kid, KeyEncoding.KeyId(KeyEncoding.ExportPublicSpki(reimported)));
        Assert.Equal(kid, KeyEncoding.KeyId(key));
    }

    [Fact]
    public void KeyId_Always_IsBase64UrlOfFirst16BytesOfSha256()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = KeyEncoding.ExportPublicSpki(key);

        var expected = Base64Url.EncodeToString(SHA256.HashData(Convert.FromBase64String(spki))[..16]);

        Assert.Equal(expected, KeyEncoding.KeyId(spki));
        Assert.Equal(22, expected.Length);
    }

    [Fact]
    public void KeyId_DifferentKeys_Differ()
    {
        using var a = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var b = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        Assert.NotEqual(KeyEncoding.KeyId(a), KeyEncoding.KeyId(b));
    }

    [Fact]
    public void KeyId_Garbage_ThrowsInvalidKey()
    {
        Assert.Equal("invalid_key", Assert.Throws<ProtocolException>(() => KeyEncoding.KeyId("%%%")).Code);
    }
}
