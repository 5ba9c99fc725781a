using Microsoft.EntityFrameworkCore;
using Threshold.Domain.Deliveries;
using Threshold.Server.Audit;
using Threshold.Server.Data;

namespace Threshold.Server.Deliveries;

/// <summary>
/// Marks deliveries whose window ended unused as expired (and audits it), once a minute; a keypad delivery's code
/// leaves the hub's set with that write (Keypad/CredentialSetChanges.cs).
/// </summary>
internal sealed partial class DeliveryExpiry(IServiceScopeFactory scopes, TimeProvider time, ILogger<DeliveryExpiry> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), time);
        do
        {
            try
            {
                await ExpireDueAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task<int> ExpireDueAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditTrail>();
        var now = time.GetUtcNow();
        var expired = await db.WriteAsync(audit, async c =>
        {
            var due = await db.Deliveries
                .Where(d => (d.Status == DeliveryStatus.Scheduled || d.Status == DeliveryStatus.Arrived || d.Status == DeliveryStatus.AwaitingApproval) && d.WindowEnd <= now)
                .OrderBy(d => d.WindowEnd)
                .Take(500).ToListAsync(c);
            foreach (var delivery in due)
            {
                delivery.Expire(now);
                await audit.AppendAsync(delivery.HomeId, AuditTypes.DeliveryStateChanged, "system",
                    new { deliveryId = delivery.Id, status = DeliveryView.StatusName(delivery.Status) }, c);
            }

            return due.Count;
        }, ct);
        return expired;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Expiring deliveries failed; will retry")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
