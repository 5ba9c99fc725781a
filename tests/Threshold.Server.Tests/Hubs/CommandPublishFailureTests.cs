using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MQTTnet.Server;
using Threshold.Protocol;
using Threshold.Server.Hubs;
using Threshold.Server.Tests.EndToEnd;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Hubs;

/// <summary>
/// The server's MQTT connection drops after the gateway saw the hub online but before its command is published: the
/// door-command policy's 503 <c>hub_offline</c> with the failure on the record, never a 500. The broker here is the
/// test's own (the server runs as with an external broker), so it can cut the server's connection on the very publish.
/// </summary>
public sealed class CommandPublishFailureTests : IAsyncLifetime
{
    private MqttServer broker = null!;
    private ServerHost host = null!;
    private World world = null!;
    private TestHub hub = null!;
    private volatile bool cutDoorCommands;

    public async Task InitializeAsync()
    {
        var port = FreePort.Next();
        broker = new MqttServerFactory().CreateMqttServer(new MqttServerOptionsBuilder()
            .WithDefaultEndpoint().WithDefaultEndpointBoundIPAddress(IPAddress.Loopback).WithDefaultEndpointPort(port).Build());
        broker.InterceptingPublishAsync += e =>
        {
            // The publisher's connection goes down with its door command: the broker never takes it.
            e.CloseConnection = cutDoorCommands && IsDoorCommand(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload);
            e.ProcessPublish = !e.CloseConnection;
            return Task.CompletedTask;
        };
        await broker.StartAsync();

        host = await ServerHost.StartAsync(new Dictionary<string, string>
        {
            ["Threshold:Mqtt:Embedded"] = "false",
            ["Threshold:Mqtt:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Threshold:Mqtt:ServerPassword"] = "test-broker-accepts-anyone",
            ["Threshold:Mqtt:Provisioning"] = "None",
            ["Threshold:Mqtt:CommandTimeout"] = "00:00:05",
            // This test's broker is plain MQTT on loopback; TLS is another test's point.
            ["Threshold:Mqtt:Tls"] = "false",
        }, fakeHub: false);
        world = await World.CreateAsync(host);
        hub = await TestHub.PairAsync(host, world.OwnerToken, world.HomeId);
        await hub.ConnectAsync();
        await hub.ReportOnlineAsync();
        await Eventually.UntilAsync(async () =>
            (await (await host.Client(world.OwnerToken).GetAsync($"/api/v1/homes/{world.HomeId}")).JsonAsync(HttpStatusCode.OK)).GetProperty("hubOnline").GetBoolean(),
            "the hub online");
    }

    public async Task DisposeAsync()
    {
        await hub.DisposeAsync();
        await host.DisposeAsync();
        await broker.StopAsync();
        broker.Dispose();
    }

    [Fact]
    public async Task ResidentRemoteUnlock_ConnectionDropsOnPublish_ServiceUnavailableHubOfflineAndFailureAudited()
    {
        cutDoorCommands = true;

        await (await host.Client(world.OwnerToken).PostAsync($"/api/v1/homes/{world.HomeId}/locks/{world.LockId}/unlock", null))
            .ProblemAsync(HttpStatusCode.ServiceUnavailable, ProtocolErrors.HubOffline);

        var trail = await host.AuditAsync(world.OwnerToken, world.HomeId);
        var command = Assert.Single(trail, e => e.Type == "lock.command");
        var failure = Assert.Single(trail, e => e.Type == "lock.command_failed");
        Assert.True(command.Seq < failure.Seq);
        Assert.Equal((ProtocolErrors.HubOffline, "unlock"), (failure.Text("error"), failure.Text("action")));
        Assert.Contains(host.Logs.Lines, l => l.Contains($"Could not publish a command to hub {hub.HubId} (hub_offline)", StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains("Unhandled error", StringComparison.Ordinal));
        Assert.DoesNotContain(hub.Received, m => m.Topic == hub.Prefix + "cmd" && IsDoorCommand(m.Topic, new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(m.Payload))));
    }

    [Fact]
    public async Task RequestAsync_ClientNotConnected_HubOfflineRefusal()
    {
        var options = Options.Create(new MqttOptions());
        using var link = new HubLink(new HubBroker(options, host.Services.GetRequiredService<Threshold.Server.Tls.ServerCertificate>(), host.Services.GetRequiredService<IServiceScopeFactory>(), NullLogger<HubBroker>.Instance),
            options, NullLogger<HubLink>.Instance);

        var reply = await link.RequestAsync(Guid.NewGuid(), "jti-1", "a.b.c", TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.Equal(("jti-1", ProtocolErrors.HubOffline), (reply.Jti, reply.RefusalCode));
    }

    private static bool IsDoorCommand(string topic, ReadOnlySequence<byte> payload)
    {
        if (!topic.EndsWith("/cmd", StringComparison.Ordinal))
        {
            return false;
        }

        using var body = JsonDocument.Parse(payload.ToArray());
        return CommandProbe.Claim(body.RootElement.GetProperty("jws").GetString()!, "cmd") is "unlock" or "lock";
    }
}
