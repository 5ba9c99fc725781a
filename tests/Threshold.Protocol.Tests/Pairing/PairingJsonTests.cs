using System.Text;
using System.Text.Json.Nodes;
using Threshold.Protocol.Pairing;

namespace Threshold.Protocol.Tests.Pairing;

public sealed class PairingJsonTests
{
    private static readonly PairingResponse Response = new(
        Guid.Parse("0191d3c2-7a4b-7c3e-9f10-123456789abc"),
        Guid.Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7"),
        [new PairedLock(Guid.Parse("6f9619ff-8b86-d011-b42d-00cf4fc964ff"), "Front door")],
        "Europe/Berlin",
        "threshold-server",
        [new ServerKey("kid-1", "MFkw")],
        new PairingMqtt("127.0.0.1", 1883, "hub-0191d3c2-7a4b-7c3e-9f10-123456789abc", "secret-pw", "thr/v1/hubs/0191d3c2-7a4b-7c3e-9f10-123456789abc/"));

    [Fact]
    public void Write_Response_TheDocumentedFieldNames()
    {
        var json = JsonNode.Parse(PairingJson.Write(Response))!;

        Assert.Equal("0191d3c2-7a4b-7c3e-9f10-123456789abc", json["hubId"]!.GetValue<string>());
        Assert.Equal("Front door", json["locks"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("MFkw", json["serverKeys"]![0]!["spki"]!.GetValue<string>());
        Assert.Equal(["host", "port", "username", "password", "topicPrefix"], ((JsonObject)json["mqtt"]!).Select(p => p.Key));
        Assert.Equal(["hubId", "homeId", "locks", "timeZone", "issuer", "serverKeys", "mqtt"], ((JsonObject)json).Select(p => p.Key));
    }

    [Fact]
    public void TryRead_Response_RoundTrips()
    {
        Assert.True(PairingJson.TryRead(PairingJson.Write(Response), out var read));
        Assert.Equal(Response.Mqtt, read.Mqtt);
        Assert.Equal(Response.Locks, read.Locks);
        Assert.Equal(Response.ServerKeys, read.ServerKeys);
        Assert.Equal((Response.HubId, Response.HomeId, Response.TimeZone, Response.Issuer), (read.HubId, read.HomeId, read.TimeZone, read.Issuer));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("not json")]
    [InlineData("""{"hubId":"0191d3c2-7a4b-7c3e-9f10-123456789abc"}""")]
    public void TryRead_Incomplete_False(string json) => Assert.False(PairingJson.TryRead(Encoding.UTF8.GetBytes(json), out _));

    [Fact]
    public void Write_Request_CamelCase()
    {
        var json = JsonNode.Parse(PairingJson.Write(new PairingRequest("ABCD-EFGH-JKLM", "Hall", "sig", "seal")))!;

        Assert.Equal(["code", "name", "signingKey", "sealingKey"], ((JsonObject)json).Select(p => p.Key));
    }

    [Fact]
    public void ToString_Mqtt_NeverThePassword() => Assert.DoesNotContain("secret-pw", Response.Mqtt.ToString(), StringComparison.Ordinal);
}
