using System.Text.Json;
using Threshold.Demo.HomeNetwork;
using Threshold.Demo.Tests.Support;

namespace Threshold.Demo.Tests;

/// <summary>The demo's home broker from the seat of someone else on the home network (docs/home-broker.md).</summary>
public sealed class HomeBrokerTests : IDisposable
{
    private const string LockSet = "zigbee2mqtt/front_door_lock/set";
    private const string Unlock = """{"state":"UNLOCK"}""";
    private readonly DemoInstall install = new();

    public void Dispose() => install.Dispose();

    [Fact]
    public async Task Connect_AnonymousOrWrongUser_Refused()
    {
        await using var demo = await install.StartAsync();
        var (zigbee, hub) = Accounts();
        var port = install.HomeBrokerPort;

        Assert.False(await MqttTestClient.AdmitsAsync(port), "anonymous");
        Assert.False(await MqttTestClient.AdmitsAsync(port, "intruder", "guess"), "a made-up user");
        Assert.False(await MqttTestClient.AdmitsAsync(port, hub.User, "guess"), "the hub's user with a wrong password");
        Assert.False(await MqttTestClient.AdmitsAsync(port, zigbee.User, hub.Password), "zigbee2mqtt's user with the hub's password");
        Assert.False(await MqttTestClient.AdmitsAsync(port, hub.User, ""), "the hub's user without a password");
        // The refusals are the broker's rules, not a broker that admits nobody.
        Assert.True(await MqttTestClient.AdmitsAsync(port, hub.User, hub.Password));
        Assert.True(await MqttTestClient.AdmitsAsync(port, zigbee.User, zigbee.Password));
    }

    [Fact]
    public async Task Publish_Zigbee2MqttUserCommandsTheLock_Dropped()
    {
        await using var demo = await install.StartAsync();
        var (zigbee, hub) = Accounts();
        await using var sender = await MqttTestClient.ConnectAsync(install.HomeBrokerPort, zigbee.User, zigbee.Password);
        await using var observer = await ObserverAsync(hub);

        const string barrier = "zigbee2mqtt/bridge/event"; // zigbee2mqtt may publish this; nothing acts on it
        // Each payload is one the real hub never sends, so what the observer hears of the hub's own traffic cannot pass for it.
        await observer.AssertRefusedAsync(sender, LockSet, Unlock, barrier);
        await observer.AssertRefusedAsync(sender, "zigbee2mqtt/front_door_lock/get", """{"state":"","by":"zigbee2mqtt"}""", barrier);
        await observer.AssertRefusedAsync(sender, "zigbee2mqtt/bridge/request/permit_join", """{"value":true}""", barrier);

        using var control = new SimulatorControl(new Uri(install.ControlUrl + "/"));
        Assert.Equal("locked", await control.BoltAsync());
    }

    [Fact]
    public async Task Publish_HubUserSpeaksForADevice_Dropped()
    {
        await using var demo = await install.StartAsync();
        var (zigbee, hub) = Accounts();
        await using var sender = await MqttTestClient.ConnectAsync(install.HomeBrokerPort, hub.User, hub.Password);
        await using var observer = await ObserverAsync(zigbee);

        const string barrier = "zigbee2mqtt/no_such_device/get"; // the hub may publish this; no device has the name
        await observer.AssertRefusedAsync(sender, "zigbee2mqtt/front_door_lock", """{"state":"UNLOCK","lock_state":"unlocked"}""", barrier);
        await observer.AssertRefusedAsync(sender, "zigbee2mqtt/front_door_contact", """{"contact":false}""", barrier);
        await observer.AssertRefusedAsync(sender, "zigbee2mqtt/front_door_lock/availability", """{"state":"offline"}""", barrier);
        await observer.AssertRefusedAsync(sender, "zigbee2mqtt/bridge/state", """{"state":"offline"}""", barrier);
    }

    [Fact]
    public async Task Subscribe_OutsideTheBaseTopic_Refused()
    {
        await using var demo = await install.StartAsync();
        var (zigbee, _) = Accounts();
        await using var client = await MqttTestClient.ConnectAsync(install.HomeBrokerPort, zigbee.User, zigbee.Password);

        Assert.NotEqual(MQTTnet.MqttClientSubscribeResultCode.GrantedQoS1, await client.SubscribeAsync("#"));
        Assert.NotEqual(MQTTnet.MqttClientSubscribeResultCode.GrantedQoS1, await client.SubscribeAsync("$SYS/#"));
    }

    [Fact]
    public async Task GetHome_DemoHub_ReportsHomeBrokerClosed()
    {
        await using var demo = await install.StartAsync();
        var file = install.ReadDemoFile();
        var api = new ThresholdApi(new Uri(install.ServerUrl));
        var resident = await Walkthrough.LoginAsync(api, file.GetProperty("resident"));
        var home = file.GetProperty("homeId").GetGuid();

        await Eventually.UntilAsync(
            async () => (await api.GetHomeAsync(resident, home)).GetProperty("homeBroker").GetString() == "closed", "homeBroker closed");
    }

    [Fact]
    public async Task StartAsync_Again_KeepsTheGeneratedAccountsPrivate()
    {
        JsonElement first;
        await using (await install.StartAsync())
        {
            first = install.ReadHomeBrokerAccounts();
        }

        await using var again = await install.StartAsync();

        Assert.Equal(first.GetRawText(), install.ReadHomeBrokerAccounts().GetRawText());
        var (zigbee, hub) = Accounts();
        Assert.NotEqual(zigbee.Password, hub.Password);
        Assert.True(hub.Password.Length >= 32, "a generated password");
        // Not in demo.json, which the demo prints at start.
        var demoFile = await File.ReadAllTextAsync(install.DemoPath);
        Assert.DoesNotContain(zigbee.Password, demoFile, StringComparison.Ordinal);
        Assert.DoesNotContain(hub.Password, demoFile, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(install.DataDir, "home-broker.json")));
        }

        await Walkthrough.WaitUntilHubOnlineAsync(new ThresholdApi(new Uri(install.ServerUrl)), install.ReadDemoFile());
    }

    [Fact]
    public void MosquittoAcl_IsTheOneDocumented() =>
        Assert.Equal(DocBlocks.Read("docs/home-broker.md", "acl"), HomeBrokerAcl.MosquittoAcl("zigbee2mqtt", "threshold-hub"));

    /// <summary>The other account, listening to everything under the base topic (both may read it all).</summary>
    private async Task<MqttTestClient> ObserverAsync((string User, string Password) account)
    {
        var observer = await MqttTestClient.ConnectAsync(install.HomeBrokerPort, account.User, account.Password);
        Assert.Equal(MQTTnet.MqttClientSubscribeResultCode.GrantedQoS1, await observer.SubscribeAsync("zigbee2mqtt/#"));
        return observer;
    }

    private ((string User, string Password) Zigbee, (string User, string Password) Hub) Accounts()
    {
        var accounts = install.ReadHomeBrokerAccounts();
        (string, string) Of(string name) =>
            (accounts.GetProperty(name).GetProperty("username").GetString()!, accounts.GetProperty(name).GetProperty("password").GetString()!);
        return (Of("zigbee2Mqtt"), Of("hub"));
    }
}
