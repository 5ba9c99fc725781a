using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Threshold.Demo.Tests.Support;
using Threshold.Hub.Storage;
using Threshold.Server.Data;

namespace Threshold.Demo.Tests;

/// <summary>The demo host in-process on free loopback ports: server, home broker, simulated devices and hub.</summary>
public sealed class DemoHostTests : IDisposable
{
    private readonly DemoInstall install = new();

    public void Dispose() => install.Dispose();

    [Fact]
    public async Task StartAsync_EmptyDataDirectory_WritesDemoFileWhoseDeliveryCompletes()
    {
        await using var demo = await install.StartAsync();

        Assert.Equal(install.DemoPath, demo.DemoPath);
        var file = install.ReadDemoFile();
        Assert.Equal(install.ServerUrl, file.GetProperty("serverUrl").GetString());
        Assert.Equal(install.ControlUrl, file.GetProperty("simulator").GetProperty("control").GetString());
        // Every field the README's walkthrough reads with jq.
        foreach (var (account, field) in new[] { ("resident", "email"), ("resident", "password"), ("courier", "email"), ("courier", "password") })
        {
            Assert.False(string.IsNullOrEmpty(file.GetProperty(account).GetProperty(field).GetString()), $"{account}.{field}");
        }

        Assert.Equal("DEMO-PKG-0001", file.GetProperty("packageBarcode").GetString());
        Assert.Equal(52.520008, file.GetProperty("homeLocation").GetProperty("latitude").GetDouble());
        Assert.Equal(13.404954, file.GetProperty("homeLocation").GetProperty("longitude").GetDouble());
        Assert.NotEqual(Guid.Empty, file.GetProperty("homeId").GetGuid());
        Assert.NotEqual(Guid.Empty, file.GetProperty("deliveryId").GetGuid());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(install.DemoPath));
        }

        await Walkthrough.DeliverAsync(file);
    }

    [Fact]
    public async Task StartAsync_SameDataDirectoryWithOpenDelivery_ReusesDemoFileAndHub()
    {
        string first;
        Guid hubId;
        await using (await install.StartAsync())
        {
            first = await File.ReadAllTextAsync(install.DemoPath);
            hubId = HubDataDirectory.LoadIdentity(Path.Combine(install.DataDir, "demo-hub")).HubId;
        }

        await using var again = await install.StartAsync();

        // Same household, same generated passwords, same delivery (still open): byte for byte the same file.
        Assert.Equal(first, await File.ReadAllTextAsync(install.DemoPath));
        Assert.Equal(hubId, HubDataDirectory.LoadIdentity(Path.Combine(install.DataDir, "demo-hub")).HubId);
        await using (var scope = again.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
            Assert.Equal(1, await db.Homes.CountAsync());
            Assert.Equal(2, await db.Users.CountAsync());
            Assert.Equal(1, await db.Carriers.CountAsync());
            Assert.Equal(1, await db.Deliveries.CountAsync());
            Assert.Equal(hubId, (await db.Hubs.SingleAsync()).Id);
        }

        await Walkthrough.WaitUntilHubOnlineAsync(new ThresholdApi(new Uri(install.ServerUrl)), install.ReadDemoFile());
    }

    [Fact]
    public async Task StartAsync_AfterDeliveryCompleted_ReusesHouseholdWithFreshOpenDelivery()
    {
        JsonElement first;
        await using (await install.StartAsync())
        {
            first = install.ReadDemoFile();
            await Walkthrough.DeliverAsync(first);
        }

        await using var again = await install.StartAsync();

        var second = install.ReadDemoFile();
        Assert.NotEqual(first.GetProperty("deliveryId").GetGuid(), second.GetProperty("deliveryId").GetGuid());
        foreach (var kept in new[] { "resident", "homeId", "lockId", "carrier", "courier", "homeAccessId", "packageBarcode" })
        {
            Assert.Equal(first.GetProperty(kept).GetRawText(), second.GetProperty(kept).GetRawText());
        }

        await Walkthrough.DeliverAsync(second);
    }
}
