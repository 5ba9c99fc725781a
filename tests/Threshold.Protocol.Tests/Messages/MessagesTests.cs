using System.Text;
using Threshold.Protocol.Messages;

namespace Threshold.Protocol.Tests.Messages;

public sealed class MessagesTests
{
    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void CommandReply_Accepted_WritesOnlyJtiAndOk()
    {
        Assert.Equal("""{"jti":"j1","ok":true}""", Encoding.UTF8.GetString(CommandReply.Accepted("j1").ToUtf8Bytes()));
        Assert.Equal("""{"jti":"j1","ok":false,"error":"jammed"}""", Encoding.UTF8.GetString(CommandReply.Refused("j1", ProtocolErrors.Jammed).ToUtf8Bytes()));
    }

    [Fact]
    public void CommandReply_RoundTrip_WithState()
    {
        var reply = new CommandReply("j1", true, null, "unlocked");

        Assert.True(CommandReply.TryParse(reply.ToUtf8Bytes(), out var read));
        Assert.Equal(reply, read);
        Assert.Null(read.RefusalCode);
    }

    [Theory]
    [InlineData("""{"jti":"j","ok":false,"error":"replayed"}""", "replayed")]
    [InlineData("""{"jti":"j","ok":false}""", "unknown")]
    [InlineData("""{"jti":"j","ok":false,"error":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}""", "unknown")]
    [InlineData("""{"jti":"j","ok":true,"error":"ignored"}""", null)]
    public void CommandReply_RefusalCode_KnownOrUnknown(string json, string? code)
    {
        Assert.True(CommandReply.TryParse(Utf8(json), out var reply));
        Assert.Equal(code, reply.RefusalCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[[[[")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("""{"jti":null}""")]
    [InlineData("""{"jti":null,"ok":true}""")]
    [InlineData("""{"jti":"","ok":true}""")]
    [InlineData("""{"jti":"j"}""")]
    [InlineData("""{"ok":true}""")]
    [InlineData("""{"jti":"j","ok":"true"}""")]
    [InlineData("""{"jti":"j","ok":1}""")]
    [InlineData("""{"jti":7,"ok":true}""")]
    [InlineData("""{"jti":"j","ok":false,"error":5}""")]
    [InlineData("""{"jti":"j","jti":"k","ok":true}""")]
    public void CommandReply_NotTheShape_False(string json) => Assert.False(CommandReply.TryParse(Utf8(json), out _));

    [Fact]
    public void JwsEnvelope_RoundTrip()
    {
        Assert.Equal("""{"jws":"a.b.c"}""", Encoding.UTF8.GetString(new JwsEnvelope("a.b.c").ToUtf8Bytes()));
        Assert.True(JwsEnvelope.TryParse(Utf8("""{"jws":"a.b.c"}"""), out var read));
        Assert.Equal("a.b.c", read.Jws);
    }

    [Theory]
    [InlineData("""{"jws":42}""")]
    [InlineData("""{"jws":null}""")]
    [InlineData("""{}""")]
    [InlineData("\"a.b.c\"")]
    [InlineData("not json")]
    public void JwsEnvelope_NotTheShape_False(string json) => Assert.False(JwsEnvelope.TryParse(Utf8(json), out _));

    [Fact]
    public void BatchAck_RoundTrip()
    {
        Assert.Equal("""{"seq":7}""", Encoding.UTF8.GetString(new BatchAck(7).ToUtf8Bytes()));
        Assert.True(BatchAck.TryParse(Utf8("""{"seq":7}"""), out var read));
        Assert.Equal(7, read.Seq);
    }

    [Theory]
    [InlineData("""{"seq":-1}""")]
    [InlineData("""{"seq":"7"}""")]
    [InlineData("""{"seq":1.5}""")]
    [InlineData("""{}""")]
    public void BatchAck_NotTheShape_False(string json) => Assert.False(BatchAck.TryParse(Utf8(json), out _));

    [Fact]
    public void HubStateReport_OfflineAndOnline_AsTheHubWritesThem()
    {
        Assert.Equal("""{"online":false}""", Encoding.UTF8.GetString(HubStateReport.Offline.ToUtf8Bytes()));
        var online = new HubStateReport(true, LockStates.Locked, DoorStates.Closed, false);
        Assert.Equal("""{"online":true,"lock":"locked","door":"closed","camera":false}""", Encoding.UTF8.GetString(online.ToUtf8Bytes()));
        Assert.True(HubStateReport.TryParse(online.ToUtf8Bytes(), out var read));
        Assert.Equal(online, read);
    }

    [Fact]
    public void HubStateReport_HomeBroker_WrittenAndReadAsUnknownWhenAbsentOrNew()
    {
        var report = new HubStateReport(true, LockStates.Locked, DoorStates.Closed, false, HomeBrokerStates.Open);
        Assert.Equal("""{"online":true,"lock":"locked","door":"closed","camera":false,"homeBroker":"open"}""", Encoding.UTF8.GetString(report.ToUtf8Bytes()));
        Assert.True(HubStateReport.TryParse(report.ToUtf8Bytes(), out var read));
        Assert.Equal(HomeBrokerStates.Open, HomeBrokerStates.Read(read.HomeBroker));
        Assert.True(HubStateReport.TryParse(Utf8("""{"online":true}"""), out var older));
        Assert.Equal(HomeBrokerStates.Unknown, HomeBrokerStates.Read(older.HomeBroker));
        Assert.True(HubStateReport.TryParse(Utf8("""{"online":true,"homeBroker":"ajar"}"""), out var newer));
        Assert.Equal(HomeBrokerStates.Unknown, HomeBrokerStates.Read(newer.HomeBroker));
    }

    [Theory]
    [InlineData("""{"online":false}""", false, false)]
    [InlineData("""{"online":true,"camera":true}""", true, true)]
    [InlineData("""{"online":true}""", true, false)]
    public void HubStateReport_Parse_OnlineAndCamera(string json, bool online, bool camera)
    {
        Assert.True(HubStateReport.TryParse(Utf8(json), out var state));
        Assert.Equal((online, camera), (state.Online, state.CameraLive));
    }

    [Theory]
    [InlineData("[[[[")]
    [InlineData("""{}""")]
    [InlineData("""{"online":"yes"}""")]
    [InlineData("""{"online":null}""")]
    public void HubStateReport_NotTheShape_False(string json) => Assert.False(HubStateReport.TryParse(Utf8(json), out _));
}
