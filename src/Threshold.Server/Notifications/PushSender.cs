using System.Net;
using System.Text.Json;
using Lib.Net.Http.WebPush;
using Lib.Net.Http.WebPush.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Threshold.Server.Data;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Notifications;

/// <summary>
/// Sends each notification to every subscribed device of the home's residents who want it (RFC 8030 with VAPID, RFC
/// 8292, and aes128gcm payloads, RFC 8291, through Lib.Net.Http.WebPush). Each device is its own task: a push service
/// that is slow or failing delays nobody else. 404/410 means the browser dropped the subscription, so it is removed;
/// other failures are retried with backoff up to <see cref="PushOptions.MaxAttempts"/>.
/// </summary>
internal sealed partial class PushSender(
    PushNotifier notifier, IServiceScopeFactory scopes, VapidKeys vapid, IOptions<PushOptions> options, TimeProvider time,
    ILogger<PushSender> logger) : BackgroundService
{
    private const int MaxInFlight = 16;
    private static readonly JsonSerializerOptions PayloadJson = new(JsonSerializerDefaults.Web);
    private readonly SemaphoreSlim slots = new(MaxInFlight);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var http = new HttpClient(OutboundGuard.Handler(options.Value.AllowPrivateEndpoints)) { Timeout = options.Value.SendTimeout };
        var client = new PushServiceClient(http) { DefaultAuthenticationScheme = VapidAuthenticationScheme.Vapid, AutoRetryAfter = false };
        using var auth = new VapidAuthentication(vapid.PublicKey, vapid.PrivateKey) { Subject = options.Value.Subject };
        await foreach (var notification in notifier.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                foreach (var device in await RecipientsAsync(notification, stoppingToken))
                {
                    _ = DeliverAsync(client, auth, device, notification, stoppingToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogLookupFailed(logger, notification.Kind, e);
            }
        }
    }

    private async Task<List<PushSubscriptionRecord>> RecipientsAsync(Notification notification, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        var rows = new List<PushSubscriptionRecord>();
        await foreach (var row in RecipientsQuery(db, notification.HomeId).WithCancellation(ct))
        {
            if (row.Preferences is null || row.Preferences.Wants(notification.Category))
            {
                rows.Add(row.Subscription);
            }
        }

        return rows;
    }

    // Compiled once: it runs after every pushed audit entry, most often for homes where nobody subscribed.
    private static readonly Func<ThresholdDbContext, Guid, IAsyncEnumerable<Recipient>> RecipientsQuery =
        EF.CompileAsyncQuery((ThresholdDbContext db, Guid homeId) =>
            from m in db.HomeMembers.AsNoTracking()
            where m.HomeId == homeId
            join s in db.PushSubscriptions.AsNoTracking() on m.UserId equals s.UserId
            join p in db.NotificationPreferences.AsNoTracking() on m.UserId equals p.UserId into prefs
            from p in prefs.DefaultIfEmpty()
            select new Recipient(s, p));

    private sealed record Recipient(PushSubscriptionRecord Subscription, NotificationPreferences? Preferences);

    private async Task DeliverAsync(
        PushServiceClient client, VapidAuthentication auth, PushSubscriptionRecord device, Notification notification, CancellationToken ct)
    {
        var subscription = new PushSubscription { Endpoint = device.Endpoint };
        subscription.SetKey(PushEncryptionKeyName.P256DH, device.P256dh);
        subscription.SetKey(PushEncryptionKeyName.Auth, device.Auth);
        var payload = JsonSerializer.Serialize(new
        {
            kind = notification.Kind,
            title = notification.Title,
            body = notification.Body,
            homeId = notification.HomeId,
            deliveryId = notification.DeliveryId,
        }, PayloadJson);
        for (var attempt = 1; ; attempt++)
        {
            HttpStatusCode? status = null;
            await slots.WaitAsync(ct);
            try
            {
                var message = new PushMessage(payload)
                {
                    Urgency = notification.Urgent ? PushMessageUrgency.High : PushMessageUrgency.Normal,
                    TimeToLive = (int)notification.TimeToLive.TotalSeconds,
                };
                await client.RequestPushMessageDeliveryAsync(subscription, message, auth, ct);
                return;
            }
            catch (PushServiceClientException e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
            {
                await ForgetAsync(device.Id, ct);
                LogSubscriptionGone(logger, device.Id, (int)e.StatusCode);
                return;
            }
            catch (PushServiceClientException e)
            {
                status = e.StatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // Unreachable or timed out: retried like a 5xx.
            }
            finally
            {
                slots.Release();
            }

            if (attempt >= options.Value.MaxAttempts)
            {
                LogGaveUp(logger, notification.Kind, device.Id, attempt, status is { } s ? (int)s : 0);
                return;
            }

            await Task.Delay(Backoff(attempt), time, ct);
        }
    }

    /// <summary>2 s, 10 s, then 60 s doubling: an alarm retried within seconds, a dead service left alone.</summary>
    internal static TimeSpan Backoff(int attempt) => attempt switch
    {
        1 => TimeSpan.FromSeconds(2),
        2 => TimeSpan.FromSeconds(10),
        _ => TimeSpan.FromSeconds(60 * Math.Pow(2, attempt - 3)),
    };

    private async Task ForgetAsync(Guid subscriptionId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<Audit.AuditTrail>();
        await db.WriteAsync(audit, async c =>
        {
            if (await db.PushSubscriptions.SingleOrDefaultAsync(s => s.Id == subscriptionId, c) is { } gone)
            {
                db.PushSubscriptions.Remove(gone);
            }

            return true;
        }, ct);
    }

    // Endpoints are capability URLs: logged by subscription id only.
    [LoggerMessage(Level = LogLevel.Information, Message = "Push subscription {SubscriptionId} is gone ({Status}); removed")]
    private static partial void LogSubscriptionGone(ILogger logger, Guid subscriptionId, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gave up pushing {Kind} to subscription {SubscriptionId} after {Attempts} attempts (last status {Status})")]
    private static partial void LogGaveUp(ILogger logger, string kind, Guid subscriptionId, int attempts, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not find who to push {Kind} to")]
    private static partial void LogLookupFailed(ILogger logger, string kind, Exception exception);
}
