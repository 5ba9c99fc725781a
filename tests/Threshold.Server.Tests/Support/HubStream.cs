using System.Text.Json;
using Threshold.Protocol.Events;
using Threshold.Server.Audit;
using Threshold.Server.Data;
using Threshold.Server.Deliveries;
using Threshold.Server.Hubs;

namespace Threshold.Server.Tests.Support;

/// <summary>
/// What a home's hub reports, fed to the server the way its inbox applies it (src/Threshold.Server/Hubs/HubEvents.cs,
/// src/Threshold.Server/Deliveries/DoorReports.cs), for tests that run without a hub.
/// </summary>
internal static class HubStream
{
    /// <summary>Records one hub event (its wire JSON) in one write, as a verified batch would.</summary>
    public static async Task RecordHubEventAsync(this ServerHost host, Guid homeId, object hubEvent)
    {
        var raw = JsonSerializer.SerializeToElement(hubEvent);
        Assert.True(HubEventJson.TryRead(raw, out var evt, out var error), error);
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        await db.WriteAsync(scope.ServiceProvider.GetRequiredService<AuditTrail>(), async c =>
        {
            await scope.ServiceProvider.GetRequiredService<HubEventRecorder>().RecordAsync(homeId, evt, raw, "hub:test", c);
            return true;
        }, CancellationToken.None);
    }

    /// <summary>What the hub's stream says once it carried out a delivery's unlock: door reports count from here on.</summary>
    public static Task ConfirmUnlockAsync(this ServerHost host, Guid homeId, Guid lockId, Guid deliveryId) =>
        host.RecordHubEventAsync(homeId, new
        {
            id = 1, type = "command_executed", at = "2026-11-24T10:00:00Z", jti = "j", cmd = "unlock", lockId, reference = $"delivery:{deliveryId}",
        });

    /// <summary>A door or bolt report from the home's hub.</summary>
    public static async Task ReportDoorAsync(this ServerHost host, Guid homeId, Guid lockId, DeviceEventKind kind)
    {
        await using var scope = host.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DoorReports>().ApplyAsync(homeId, lockId, kind, "hub:test", CancellationToken.None);
    }
}
