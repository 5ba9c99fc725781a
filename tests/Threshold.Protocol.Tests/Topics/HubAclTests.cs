using Threshold.Protocol.Topics;

namespace Threshold.Protocol.Tests.Topics;

public sealed class HubAclTests
{
    private static readonly Guid Hub = Guid.NewGuid();
    private static readonly Guid Other = Guid.NewGuid();

    [Theory]
    [InlineData(TopicLeaf.Reply, true)]
    [InlineData(TopicLeaf.Evt, true)]
    [InlineData(TopicLeaf.State, true)]
    [InlineData(TopicLeaf.Cmd, false)]
    [InlineData(TopicLeaf.Ack, false)]
    public void HubMayPublish_OwnLeaves_OnlyReplyEvtState(TopicLeaf leaf, bool allowed)
    {
        Assert.Equal(allowed, HubAcl.HubMayPublish(Hub, HubTopics.For(Hub, leaf)));
        Assert.False(HubAcl.HubMayPublish(Hub, HubTopics.For(Other, leaf)));
    }

    [Theory]
    [InlineData(TopicLeaf.Cmd, true)]
    [InlineData(TopicLeaf.Ack, true)]
    [InlineData(TopicLeaf.Reply, false)]
    [InlineData(TopicLeaf.Evt, false)]
    [InlineData(TopicLeaf.State, false)]
    public void HubMaySubscribe_OwnLeaves_OnlyCmdAck(TopicLeaf leaf, bool allowed)
    {
        Assert.Equal(allowed, HubAcl.HubMaySubscribe(Hub, HubTopics.For(Hub, leaf)));
        Assert.False(HubAcl.HubMaySubscribe(Hub, HubTopics.For(Other, leaf)));
    }

    [Theory]
    [InlineData("#")]
    [InlineData("thr/#")]
    [InlineData("thr/v1/hubs/+/cmd")]
    [InlineData("thr/v1/hubs/{hub}/#")]
    [InlineData("thr/v1/hubs/{hub}/+")]
    [InlineData("$SYS/#")]
    public void HubMaySubscribe_Wildcards_Refused(string filter) =>
        Assert.False(HubAcl.HubMaySubscribe(Hub, filter.Replace("{hub}", Hub.ToString(), StringComparison.Ordinal)));

    [Fact]
    public void Patterns_Server_MirrorTheHubs()
    {
        Assert.Equal(["thr/v1/hubs/+/cmd", "thr/v1/hubs/+/ack"], HubAcl.ServerPublishPatterns());
        Assert.Equal(["thr/v1/hubs/+/reply", "thr/v1/hubs/+/evt", "thr/v1/hubs/+/state"], HubAcl.ServerSubscribePatterns());
        Assert.Equal(HubAcl.HubSubscribeTopics(Hub), HubAcl.ServerPublishes.Select(l => HubTopics.For(Hub, l)));
        Assert.Equal(HubAcl.HubPublishTopics(Hub), HubAcl.ServerSubscribes.Select(l => HubTopics.For(Hub, l)));
    }
}
