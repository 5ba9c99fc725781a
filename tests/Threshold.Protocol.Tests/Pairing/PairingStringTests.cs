using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Threshold.Protocol.Pairing;

namespace Threshold.Protocol.Tests.Pairing;

public sealed class PairingStringTests
{
    private static readonly string Key = Base64Url.EncodeToString(SHA256.HashData("key"u8));
    private static readonly string Cert = Base64Url.EncodeToString(SHA256.HashData("cert"u8));

    [Fact]
    public void Format_ThenParse_RoundTrips()
    {
        var text = PairingString.Format("abcd-efgh-jkmn", Key, Cert);

        Assert.Equal($"thr1:ABCD-EFGH-JKMN:{Key}:{Cert}", text);
        Assert.Equal(new PairingString("ABCD-EFGH-JKMN", Key, Cert), PairingString.Parse(text));
        Assert.Equal(new PairingString("ABCD-EFGH-JKMN", Key, Cert), PairingString.Parse($"  THR1:ABCDEFGHJKMN:{Key}:{Cert}\n"));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("ABCD-EFGH-JKMN", "starts with 'thr1:'")]
    [InlineData("thr2:ABCD-EFGH-JKMN:K:C", "starts with 'thr1:'")]
    [InlineData("thr1:ABCD-EFGH-JKMN:K", "four parts")]
    [InlineData("thr1:ABCD-EFGH-JKMN:K:C:extra", "four parts")]
    [InlineData("thr1:ABCD-EFGH:K:C", "12 letters and digits")]
    [InlineData("thr1:ABCD-EFGH-JK*N:K:C", "12 letters and digits")]
    public void Parse_Malformed_SaysWhat(string text, string expected)
    {
        var e = Assert.Throws<ProtocolException>(() => PairingString.Parse(text.Replace(":K", ":" + Key, StringComparison.Ordinal).Replace(":C", ":" + Cert, StringComparison.Ordinal)));

        Assert.Equal(PairingString.Invalid, e.Code);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BadFingerprints_SaysWhich()
    {
        Assert.Contains("signing-key", Assert.Throws<ProtocolException>(() => PairingString.Parse($"thr1:ABCD-EFGH-JKMN:{Key[..42]}:{Cert}")).Message, StringComparison.Ordinal);
        Assert.Contains("certificate", Assert.Throws<ProtocolException>(() => PairingString.Parse($"thr1:ABCD-EFGH-JKMN:{Key}:{Cert}=")).Message, StringComparison.Ordinal);
        // Hex is another spelling, not the wire's.
        Assert.Throws<ProtocolException>(() => PairingString.Parse($"thr1:ABCD-EFGH-JKMN:{Convert.ToHexString(SHA256.HashData("key"u8))}:{Cert}"));
    }

    [Fact]
    public void Fingerprint_IsWellFormed_OnlyTheCanonicalSpelling()
    {
        Assert.True(Fingerprint.IsWellFormed(Key));
        // The last character's 2 unused bits set: the same 32 bytes in a spelling the wire does not use.
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var loose = Key[..^1] + Alphabet[Alphabet.IndexOf(Key[^1], StringComparison.Ordinal) ^ 1];
        Assert.False(Fingerprint.IsWellFormed(loose));
        Assert.False(Fingerprint.IsWellFormed(null));
        Assert.False(Fingerprint.IsWellFormed(Key + "A"));
    }

    [Fact]
    public void Fingerprint_ToDisplay_ColonSeparatedHex()
    {
        var display = Fingerprint.ToDisplay(Key);

        Assert.Equal(string.Join(':', Convert.ToHexString(SHA256.HashData("key"u8)).Chunk(2).Select(c => new string(c))), display);
    }

    [Fact]
    public void PairingMqtt_WithPin_WritesCertificateSha256AndReadsItBack()
    {
        var response = new PairingResponse(Guid.NewGuid(), Guid.NewGuid(), [], "Europe/Berlin", "threshold-server", [new ServerKey("kid", "MFkw")],
            new PairingMqtt("server.example", 8883, "hub-x", "pw", "thr/v1/hubs/x/", Cert));

        var json = JsonNode.Parse(PairingJson.Write(response))!;

        Assert.Equal(Cert, json["mqtt"]!["certificateSha256"]!.GetValue<string>());
        Assert.True(PairingJson.TryRead(PairingJson.Write(response), out var read));
        Assert.Equal(response.Mqtt, read.Mqtt);
        Assert.True(read.Mqtt.Tls);
        Assert.DoesNotContain("pw", read.Mqtt.ToString(), StringComparison.Ordinal);
    }
}
