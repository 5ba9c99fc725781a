using Threshold.Protocol.Topics;

namespace Threshold.Protocol.Tests.Topics;

public sealed class HubTopicsTests
{
    private static readonly Guid Hub = Guid.Parse("0191d3c2-7a4b-7c3e-9f10-123456789abc");
    private const string Prefix = "thr/v1/hubs/0191d3c2-7a4b-7c3e-9f10-123456789abc/";

    [Fact]
    public void Prefix_Hub_IsRootAndDashedLowerCaseId() => Assert.Equal(Prefix, HubTopics.Prefix(Hub));

    [Theory]
    [InlineData(TopicLeaf.Cmd, "cmd")]
    [InlineData(TopicLeaf.Reply, "reply")]
    [InlineData(TopicLeaf.Evt, "evt")]
    [InlineData(TopicLeaf.Ack, "ack")]
    [InlineData(TopicLeaf.State, "state")]
    public void For_EveryLeaf_ParsesBack(TopicLeaf leaf, string name)
    {
        var topic = HubTopics.For(Hub, leaf);

        Assert.Equal(Prefix + name, topic);
        Assert.True(HubTopics.TryParse(topic, out var hubId, out var parsed));
        Assert.Equal((Hub, leaf), (hubId, parsed));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("thr/v2/hubs/0191d3c2-7a4b-7c3e-9f10-123456789abc/cmd")]
    [InlineData("THR/v1/hubs/0191d3c2-7a4b-7c3e-9f10-123456789abc/cmd")]
    [InlineData("x/thr/v1/hubs/0191d3c2-7a4b-7c3e-9f10-123456789abc/cmd")]
    [InlineData("thr/v1/hubs/0191d3c27a4b7c3e9f10123456789abc/cmd")]
    [InlineData("thr/v1/hubs/0191D3C2-7A4B-7C3E-9F10-123456789ABC/cmd")]
    [InlineData("thr/v1/hubs/{0191d3c2-7a4b-7c3e-9f10-123456789abc}/cmd")]
    [InlineData("thr/v1/hubs/not-a-guid-at-all-but-36-characters-x/cmd")]
    [InlineData("thr/v1/hubs/+/cmd")]
    [InlineData("thr/v1/hubs/0191d3c2-7a4b-7c3e-9f10-123456789abc")]
    [InlineData("thr/v1/hubs/0191d3c2-7a4b-7c3e-9f10-123456789abc/")]
    [InlineData("thr/v1/hubs/0191d3c2-7a4b-7c3e-9f10-123456789abc/events")]
    [InlineData("thr/v1/hubs/0191d3c2-7a4b-7c3e-9f10-123456789abc/CMD")]
    [InlineData("thr/v1/hubs/0191d3c2-7a4b-7c3e-9f10-123456789abc/cmd/")]
    [InlineData("thr/v1/hubs/0191d3c2-7a4b-7c3e-9f10-123456789abc/cmd/x")]
    [InlineData("thr/v1/hubs/0191d3c2-7a4b-7c3e-9f10-123456789abc/#")]
    [InlineData("thr/v1/hubs/0191d3c2-7a4b-7c3e-9f10-123456789abc/+")]
    public void TryParse_AnythingElse_False(string? topic)
    {
        Assert.False(HubTopics.TryParse(topic, out var hubId, out _));
        Assert.Equal(Guid.Empty, hubId);
    }

    [Fact]
    public void AllHubs_Leaf_IsSingleLevelWildcard() => Assert.Equal("thr/v1/hubs/+/evt", HubTopics.AllHubs(TopicLeaf.Evt));

    [Fact]
    public void MqttUser_Hub_IsHubDashIdAndParsesBack()
    {
        var user = HubIds.MqttUser(Hub);

        Assert.Equal("hub-0191d3c2-7a4b-7c3e-9f10-123456789abc", user);
        Assert.True(HubIds.TryParseMqttUser(user, out var parsed));
        Assert.Equal(Hub, parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("hub-")]
    [InlineData("0191d3c2-7a4b-7c3e-9f10-123456789abc")]
    [InlineData("hub-0191d3c27a4b7c3e9f10123456789abc")]
    [InlineData("hub-0191D3C2-7A4B-7C3E-9F10-123456789ABC")]
    [InlineData("HUB-0191d3c2-7a4b-7c3e-9f10-123456789abc")]
    [InlineData("hub-0191d3c2-7a4b-7c3e-9f10-123456789abc ")]
    [InlineData("threshold-server")]
    public void TryParseMqttUser_OtherSpellings_False(string? user) => Assert.False(HubIds.TryParseMqttUser(user, out _));

    [Theory]
    [InlineData("N")]
    [InlineData("B")]
    [InlineData("P")]
    public void HubIdsTryParse_OtherGuidFormats_False(string format) => Assert.False(HubIds.TryParse(Hub.ToString(format), out _));
}
