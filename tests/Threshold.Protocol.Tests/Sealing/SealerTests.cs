using System.Security.Cryptography;
using System.Text;
using Threshold.Protocol.Keys;
using Threshold.Protocol.Sealing;

namespace Threshold.Protocol.Tests.Sealing;

public sealed class SealerTests : IDisposable
{
    // Layout: version(1) | point(65) | nonce(12) | tag(16) | ciphertext.
    private const int PointAt = 1;
    private const int NonceAt = 66;
    private const int TagAt = 78;
    private const int CipherAt = 94;

    private static readonly byte[] Ad = Encoding.ASCII.GetBytes("hub-1/lock-1/slot-3");
    private static readonly byte[] Secret = Encoding.ASCII.GetBytes("12345678");

    private readonly ECDiffieHellman _hub = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose() => _hub.Dispose();

    private ECDiffieHellman HubPublic() => KeyEncoding.ImportEcdhPublicSpki(KeyEncoding.ExportPublicSpki(_hub));

    private byte[] SealBytes(byte[]? plaintext = null)
    {
        using var pub = HubPublic();
        return Convert.FromBase64String(Sealer.Seal(pub, plaintext ?? Secret, Ad));
    }

    private void AssertSealInvalid(string sealedBase64, byte[]? ad = null, ECDiffieHellman? key = null)
    {
        var ex = Assert.Throws<ProtocolException>(() => Sealer.Open(key ?? _hub, sealedBase64, ad ?? Ad));
        Assert.Equal("seal_invalid", ex.Code);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(10_000)]
    public void Seal_ThenOpen_RoundTrips(int length)
    {
        var plaintext = RandomNumberGenerator.GetBytes(length);
        using var pub = HubPublic();

        var opened = Sealer.Open(_hub, Sealer.Seal(pub, plaintext, Ad), Ad);

        Assert.Equal(plaintext, opened);
    }

    [Fact]
    public void Seal_Output_HasVersionPointAndExactLength()
    {
        var blob = SealBytes();

        Assert.Equal(CipherAt + Secret.Length, blob.Length);
        Assert.Equal(0x01, blob[0]);
        Assert.Equal(0x04, blob[PointAt]);
    }

    [Fact]
    public void Seal_SameInputTwice_UsesFreshEphemeralKeyAndNonce()
    {
        var a = SealBytes();
        var b = SealBytes();

        Assert.NotEqual(a[PointAt..NonceAt], b[PointAt..NonceAt]);
        Assert.NotEqual(a[NonceAt..TagAt], b[NonceAt..TagAt]);
    }

    [Fact]
    public void Seal_Output_MatchesSpecifiedConstruction()
    {
        // Re-derives the key by the written spec, so another implementation (e.g. on the hub) can interoperate.
        var blob = SealBytes();
        var point = blob[PointAt..NonceAt];
        using var eph = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = point[1..33], Y = point[33..65] },
        });
        var q = _hub.ExportParameters(false).Q;
        byte[] salt = [.. point, 0x04, .. q.X!, .. q.Y!];
        var shared = _hub.DeriveRawSecretAgreement(eph.PublicKey);
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 32, salt, Encoding.ASCII.GetBytes("threshold/v1/seal"));
        using var aes = new AesGcm(key, 16);
        var plaintext = new byte[blob.Length - CipherAt];

        aes.Decrypt(blob[NonceAt..TagAt], blob[CipherAt..], blob[TagAt..CipherAt], plaintext, Ad);

        Assert.Equal(Secret, plaintext);
    }

    [Theory]
    [InlineData(PointAt)]
    [InlineData(PointAt + 10)]
    [InlineData(PointAt + 40)]
    [InlineData(PointAt + 64)]
    [InlineData(NonceAt)]
    [InlineData(NonceAt + 11)]
    [InlineData(TagAt)]
    [InlineData(TagAt + 15)]
    [InlineData(CipherAt)]
    [InlineData(CipherAt + 7)]
    public void Open_OneByteTampered_ThrowsSealInvalid(int offset)
    {
        var blob = SealBytes();
        blob[offset] ^= 0x01;

        AssertSealInvalid(Convert.ToBase64String(blob));
    }

    [Fact]
    public void Open_WrongRecipientKey_ThrowsSealInvalid()
    {
        using var other = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

        AssertSealInvalid(Convert.ToBase64String(SealBytes()), key: other);
    }

    [Fact]
    public void Open_WrongAssociatedData_ThrowsSealInvalid()
    {
        AssertSealInvalid(Convert.ToBase64String(SealBytes()), ad: Encoding.ASCII.GetBytes("hub-1/lock-2/slot-3"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(50)]
    [InlineData(CipherAt - 1)]
    [InlineData(CipherAt)]
    [InlineData(CipherAt + 7)]
    public void Open_Truncated_ThrowsSealInvalid(int keep)
    {
        AssertSealInvalid(Convert.ToBase64String(SealBytes()[..keep]));
    }

    [Theory]
    [InlineData(0x00)]
    [InlineData(0x02)]
    [InlineData(0xFF)]
    public void Open_UnknownVersion_ThrowsSealInvalid(byte version)
    {
        var blob = SealBytes();
        blob[0] = version;

        AssertSealInvalid(Convert.ToBase64String(blob));
    }

    [Fact]
    public void Open_PointNotOnCurve_ThrowsSealInvalid()
    {
        var blob = SealBytes();
        Array.Clear(blob, PointAt + 1, 64); // (0, 0) is not on P-256

        AssertSealInvalid(Convert.ToBase64String(blob));
    }

    [Fact]
    public void Open_CompressedPointPrefix_ThrowsSealInvalid()
    {
        var blob = SealBytes();
        blob[PointAt] = 0x02;

        AssertSealInvalid(Convert.ToBase64String(blob));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64 at all!")]
    public void Open_NotBase64_ThrowsSealInvalid(string sealedBase64)
    {
        AssertSealInvalid(sealedBase64);
    }

    [Fact]
    public void Open_PublicOnlyKey_ThrowsSealInvalid()
    {
        using var pub = HubPublic();

        AssertSealInvalid(Convert.ToBase64String(SealBytes()), key: pub);
    }

    [Fact]
    public void Seal_P384Recipient_ThrowsInvalidKey()
    {
        using var p384 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);

        var ex = Assert.Throws<ProtocolException>(() => Sealer.Seal(p384, Secret, Ad));

        Assert.Equal("invalid_key", ex.Code);
    }
}
