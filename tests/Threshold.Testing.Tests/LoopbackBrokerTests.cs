using System.Text;
using MQTTnet;

namespace Threshold.Testing.Tests;

/// <summary>The loopback broker: observed publishes, restarts on the same port with nothing retained, kicked clients.</summary>
public sealed class LoopbackBrokerTests
{
    [Fact]
    public async Task StartAgain_AfterRetainedPublish_SamePortNothingRetainedAndTheMessageWasObserved()
    {
        await using var broker = await LoopbackBroker.StartAsync(observe: true);
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("probe-1").Build());
        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("a/b").WithPayload("hello").WithRetainFlag().Build());
        await Eventually.UntilAsync(() => broker.Messages.Count == 1, "the publish observed", broker.Published);

        var seen = Assert.Single(broker.Messages);
        Assert.Equal(("probe-1", "a/b", "hello", true), (seen.ClientId, seen.Topic, Encoding.UTF8.GetString(seen.Payload), seen.Retain));
        Assert.Single(await broker.RetainedAsync());
        var port = broker.Port;

        await broker.StopAsync();
        await broker.StartAgainAsync();

        Assert.Equal(port, broker.Port);
        Assert.Empty(await broker.RetainedAsync());
    }

    [Fact]
    public async Task Kick_ClientWithPrefix_DropsOnlyThatClient()
    {
        await using var broker = await LoopbackBroker.StartAsync();
        using var kicked = new MqttClientFactory().CreateMqttClient();
        using var kept = new MqttClientFactory().CreateMqttClient();
        var dropped = new TaskCompletionSource();
        kicked.DisconnectedAsync += _ => { dropped.TrySetResult(); return Task.CompletedTask; };
        await kicked.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("sim-1").Build());
        await kept.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("hub-1").Build());

        await broker.KickAsync("sim-");

        await dropped.Task.WaitAsync(Eventually.Timeout);
        Assert.True(kept.IsConnected);
    }
}
