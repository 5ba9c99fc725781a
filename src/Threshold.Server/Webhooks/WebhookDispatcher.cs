using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Threshold.Server.Audit;
using Threshold.Server.Data;

using Threshold.Server.Infrastructure;

namespace Threshold.Server.Webhooks;

/// <summary>
/// Sends the outbox (<see cref="WebhookOutbox"/>): at least once, and in order per endpoint and delivery — a later
/// event of a delivery waits until the one before it was delivered or given up. Each attempt is signed afresh
/// (<see cref="WebhookSignature"/>), bounded by <see cref="WebhookOptions.AttemptTimeout"/>, never follows a redirect
/// and connects only where <see cref="WebhookTargets"/> allows; a 2xx answer is delivered, anything else is retried on
/// <see cref="WebhookBackoff"/>'s schedule. Outcomes are written through the one writer. This class owns the
/// connections to carriers' endpoints. New events wake it at once; due retries are found on a poll of the machine's
/// timer (not the injected clock, which tests move by hours), and are judged due by the injected clock.
/// </summary>
internal sealed partial class WebhookDispatcher(
    IServiceScopeFactory scopes, IDataProtectionProvider protection, TimeProvider time, IOptions<WebhookOptions> options,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string ProtectionPurpose = "Threshold.WebhookSecrets";
    private const int Batch = 64;

    private readonly Channel<bool> wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly IDataProtector protector = protection.CreateProtector(ProtectionPurpose);
    private readonly HttpClient http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        ConnectTimeout = options.Value.AttemptTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectCallback = OutboundGuard.Connect(options.Value.AllowPrivateTargets),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public string ProtectSecret(string secret) => protector.Protect(secret);

    /// <summary>Called once a write that added messages has committed.</summary>
    public void Wake() => wake.Writer.TryWrite(true);

    public override void Dispose()
    {
        http.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var sent = 0;
            try
            {
                sent = await RoundAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogRoundFailed(logger, e);
            }

            // A delivered message may have let the next event of its delivery go; look again before waiting.
            if (sent == 0)
            {
                await WaitAsync(stoppingToken);
            }
        }
    }

    private async Task WaitAsync(CancellationToken stoppingToken)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        poll.CancelAfter(options.Value.PollInterval);
        try
        {
            await wake.Reader.ReadAsync(poll.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // The poll interval passed: time to look for due retries.
        }
    }

    /// <summary>Sends what is due now, and records how each attempt went; returns how many were attempted.</summary>
    private async Task<int> RoundAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        var now = time.GetUtcNow();
        var messages = db.Set<WebhookMessage>();
        var due = await messages.AsNoTracking()
            .Where(m => m.State == WebhookMessageState.Pending && m.NextAttemptAt <= now
                && !messages.Any(o => o.State == WebhookMessageState.Pending && o.SubscriptionId == m.SubscriptionId
                    && o.DeliveryId == m.DeliveryId && o.Order < m.Order))
            .OrderBy(m => m.Sequence)
            .Take(Batch)
            .Join(db.Set<WebhookSubscription>(), m => m.SubscriptionId, s => s.Id, (m, s) => new Due(m.Sequence, m.Id, m.Event, m.Body, s.Url, s.ProtectedSecret))
            .ToListAsync(ct);
        if (due.Count == 0)
        {
            return 0;
        }

        var outcomes = new ConcurrentDictionary<long, Outcome>();
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxConcurrency, CancellationToken = ct },
            async (message, c) => outcomes[message.Sequence] = await SendAsync(message, c));
        await RecordAsync(db, scope.ServiceProvider.GetRequiredService<AuditTrail>(), outcomes, ct);
        return due.Count;
    }

    private async Task<Outcome> SendAsync(Due message, CancellationToken ct)
    {
        var webhookId = "msg_" + message.Id.ToString("N");
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        string signature;
        try
        {
            signature = WebhookSignature.Sign(protector.Unprotect(message.ProtectedSecret), webhookId, timestamp, message.Body);
        }
        catch (CryptographicException)
        {
            // The data-protection keys that protected this secret are gone: this endpoint's messages fail, nobody else's wait.
            LogAttemptFailed(logger, webhookId, message.Event, "secret_unreadable");
            return new Outcome(null, "secret_unreadable");
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, message.Url)
        {
            Content = new StringContent(message.Body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", webhookId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", signature);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Threshold-Webhooks", "1"));

        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(options.Value.AttemptTimeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token);
            var status = (int)response.StatusCode;
            LogAttempt(logger, webhookId, message.Event, status);
            return new Outcome(status, status is >= 200 and <= 299 ? null : "http_" + status);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            LogAttemptFailed(logger, webhookId, message.Event, "timeout");
            return new Outcome(null, "timeout");
        }
        catch (HttpRequestException e)
        {
            var error = FindRefusal(e) is { } refused ? "target_refused: " + refused.Message : "connection_failed: " + e.HttpRequestError;
            LogAttemptFailed(logger, webhookId, message.Event, error);
            return new Outcome(null, error);
        }
    }

    private async Task RecordAsync(ThresholdDbContext db, AuditTrail audit, ConcurrentDictionary<long, Outcome> outcomes, CancellationToken ct)
    {
        var sequences = outcomes.Keys.ToList();
        await db.WriteAsync(audit, async c =>
        {
            // Read inside the write: an endpoint deleted meanwhile took its messages with it.
            var now = time.GetUtcNow();
            foreach (var message in await db.Set<WebhookMessage>().Where(m => sequences.Contains(m.Sequence)).ToListAsync(c))
            {
                var outcome = outcomes[message.Sequence];
                if (message.State != WebhookMessageState.Pending)
                {
                    continue;
                }

                if (outcome.Error is null)
                {
                    message.RecordDelivered(outcome.Status!.Value, now);
                    continue;
                }

                var retryAt = WebhookBackoff.NextAttempt(options.Value, message.CreatedAt, message.Attempts + 1, now, Random.Shared.NextDouble());
                message.RecordFailure(outcome.Status, outcome.Error, now, retryAt);
                if (retryAt is null)
                {
                    LogGaveUp(logger, message.WebhookId, message.Event, message.Attempts);
                }
            }

            return 0;
        }, ct);
    }

    private static TargetRefusedException? FindRefusal(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is TargetRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }

    private sealed record Due(long Sequence, Guid Id, string Event, string Body, string Url, string ProtectedSecret);

    private sealed record Outcome(int? Status, string? Error);

    [LoggerMessage(Level = LogLevel.Error, Message = "A webhook round failed; retrying")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook {WebhookId} ({Event}) answered {Status}")]
    private static partial void LogAttempt(ILogger logger, string webhookId, string @event, int status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {WebhookId} ({Event}) failed: {Error}")]
    private static partial void LogAttemptFailed(ILogger logger, string webhookId, string @event, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {WebhookId} ({Event}) given up after {Attempts} attempts")]
    private static partial void LogGaveUp(ILogger logger, string webhookId, string @event, int attempts);
}
