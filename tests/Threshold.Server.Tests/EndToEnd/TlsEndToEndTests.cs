using System.Net;
using MQTTnet.Exceptions;
using Threshold.Hub.Storage;
using Threshold.Protocol.Pairing;
using Threshold.Server.Tests.Support;
using Threshold.Server.Tls;
using Threshold.Simulator;

namespace Threshold.Server.Tests.EndToEnd;

/// <summary>
/// The hub↔server link over MQTT with TLS, as a real install runs it: the hub pins the broker certificate from pairing,
/// refuses any other one before it sends its password, and the broker admits hubs only over TLS.
/// </summary>
public sealed class TlsEndToEndTests : IAsyncLifetime
{
    private Stack stack = null!;

    public async Task InitializeAsync() => stack = await Stack.StartAsync();

    public async Task DisposeAsync() => await stack.DisposeAsync();

    [Fact]
    public async Task Unlock_OverTls_HubPinnedTheServersCertificateAndTheDoorOpens()
    {
        var identity = HubDataDirectory.LoadIdentity(stack.HubDir);
        Assert.Equal(stack.Server.Services.GetRequiredService<ServerCertificate>().Fingerprint, identity.Mqtt.CertificateSha256);
        Assert.Equal(stack.Server.Broker.TlsPort, identity.Mqtt.Port);
        Assert.NotEqual(stack.Server.Broker.Port, identity.Mqtt.Port);

        var (id, _) = await stack.ArrivedDeliveryAsync();
        await (await stack.Server.UnlockAsync(stack.World.CourierToken, id)).JsonAsync(HttpStatusCode.OK);

        Assert.Equal(BoltPosition.Unlocked, stack.Devices.GetState().Bolt);
        await stack.Devices.OpenDoorAsync();
        await Eventually.UntilAsync(async () => await stack.DeliveryStatusAsync(id) == "door_opened", "door_opened over TLS", stack.Changes);
    }

    [Fact]
    public async Task Connect_HubAccountOnThePlainPort_Refused()
    {
        var (_, ownerB) = await stack.Server.ResidentAsync();
        var (homeB, _) = await stack.Server.HomeAsync(ownerB);
        await using var hub = await TestHub.PairAsync(stack.Server, ownerB, homeB);

        await Assert.ThrowsAnyAsync<MqttCommunicationException>(() => hub.ConnectAsync(port: stack.Server.Broker.Port));

        Assert.Contains(stack.Server.Logs.Lines, l => l.Contains($"refused for hub client {hub.Username}: hubs must connect over TLS", StringComparison.Ordinal));
        await hub.ConnectAsync(); // the same account over TLS
    }

    [Fact]
    public async Task Hub_ShownAnotherCertificateOnItsBrokerAddress_DoesNotConnectAndLogsWhy()
    {
        await stack.StopHubAsync();
        // Someone on the path answers at the broker's address with a certificate of its own.
        using var certificate = TestCertificates.SelfSigned();
        await using var rogue = await LoopbackBroker.StartTlsAsync(certificate);
        Repin(identity => identity with { Mqtt = identity.Mqtt with { Port = rogue.Port } });
        var refusals = RefusalCount();

        await stack.StartHubOnlyAsync();

        await Eventually.UntilAsync(() => RefusalCount() > refusals, "the hub refusing the rogue broker's certificate", stack.Server.Logs.Written);
        var refusal = stack.Server.Logs.Lines.Last(IsRefusal);
        Assert.Contains(Fingerprint.ToDisplay(Fingerprint.OfCertificate(certificate)), refusal, StringComparison.Ordinal);
        Assert.Equal(0, rogue.ConnectAttempts); // the TLS handshake failed: no CONNECT, so no password
        Assert.False((await stack.HomeAsync()).GetProperty("hubOnline").GetBoolean());
    }

    [Fact]
    public async Task Hub_PinnedToAnotherCertificate_DoesNotConnectToTheServersBroker()
    {
        await stack.StopHubAsync();
        using var other = TestCertificates.SelfSigned();
        Repin(identity => identity with { Mqtt = identity.Mqtt with { CertificateSha256 = Fingerprint.OfCertificate(other) } });
        var refusals = RefusalCount();
        var connections = ConnectionCount();

        await stack.StartHubOnlyAsync();

        await Eventually.UntilAsync(() => RefusalCount() > refusals, "the hub refusing the broker's certificate", stack.Server.Logs.Written);
        Assert.Equal(connections, ConnectionCount());
        Assert.False((await stack.HomeAsync()).GetProperty("hubOnline").GetBoolean());
    }

    private static bool IsRefusal(string line) => line.Contains("is not the one pinned at pairing", StringComparison.Ordinal);

    private int RefusalCount() => stack.Server.Logs.Lines.Count(IsRefusal);

    private int ConnectionCount() => stack.Server.Logs.Lines.Count(l => l.Contains("Connected to the server broker", StringComparison.Ordinal));

    private void Repin(Func<PairingResponse, PairingResponse> change)
    {
        var identity = HubDataDirectory.LoadIdentity(stack.HubDir);
        using var signing = HubDataDirectory.LoadSigningKey(stack.HubDir);
        using var sealing = HubDataDirectory.LoadSealingKey(stack.HubDir);
        HubDataDirectory.Save(stack.HubDir, change(identity), signing, sealing);
    }
}
