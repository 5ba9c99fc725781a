using Microsoft.Extensions.DependencyInjection;
using Threshold.Hub.HomeBroker;
using Threshold.Hub.Tests.Support;
using Xunit.Abstractions;

namespace Threshold.Hub.Tests;

/// <summary>The hub's check of its own home broker (HomeBroker/), against a broker left open as a stock install leaves it.</summary>
public sealed class HomeBrokerCheckTests(ITestOutputHelper output)
{
    private const string OpenState = "\"homeBroker\":\"open\"";

    [Fact]
    public async Task Check_OpenHomeBroker_ReportsOpenAndRaisesOneAlarmOverChecks()
    {
        // LoopbackBroker admits anyone, and anyone's set reaches everyone.
        await using var h = await HubHarness.StartAsync(output, s => s.HomeBrokerCheck.Enabled = true);

        await Eventually.UntilAsync(() => h.Server.States.LastOrDefault()?.Contains(OpenState, StringComparison.Ordinal) == true, "state homeBroker open", h.Server.Changed);
        await h.Server.WaitEventAsync("alarm", "alarm", "home_broker_open");
        var watch = h.Hub!.Services.GetRequiredService<HomeBrokerWatch>();
        await Eventually.UntilAsync(() => watch.Checks >= 1, "first check done");

        // An hour later the next check finds it open again: still open, no second alarm.
        var before = watch.Checks;
        h.Time.Advance(TimeSpan.FromMinutes(60));
        await Eventually.UntilAsync(() => watch.Checks > before, "second check done");
        // A later event through the same ordered outbox: once it is here, a second alarm would have been too.
        await h.Zigbee.SetDoorAsync(closed: false);
        await h.Server.WaitEventAsync("door_opened");

        var alarm = Assert.Single(h.Server.Events("alarm", "alarm", "home_broker_open"));
        Assert.Equal("set_by_other_client", alarm.GetProperty("reason").GetString());
        Assert.Contains(OpenState, h.Server.States.Last(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_Off_ReportsUnknownAndNoAlarm()
    {
        await using var h = await HubHarness.StartAsync(output); // the harness turns the check off

        Assert.Contains("\"homeBroker\":\"unknown\"", h.Server.States.Last(), StringComparison.Ordinal);
        await h.Zigbee.SetDoorAsync(closed: false);
        await h.Server.WaitEventAsync("door_opened");
        Assert.Empty(h.Server.Events("alarm", "alarm", "home_broker_open"));
    }

    [Fact]
    public void Validate_DeviceNamedLikeTheProbe_Refused()
    {
        var settings = new HubSettings { DataDirectory = "x", Zigbee = new ZigbeeSettings { LockDevice = HomeBrokerProbe.DevicePrefix + "lock" } };

        var result = new HubSettingsValidator().Validate(null, settings);

        Assert.True(result.Failed);
        Assert.Contains(HomeBrokerProbe.DevicePrefix, result.FailureMessage, StringComparison.Ordinal);
    }
}
