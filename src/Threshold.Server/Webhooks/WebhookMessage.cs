namespace Threshold.Server.Webhooks;

internal enum WebhookMessageState
{
    Pending,
    Delivered,
    Failed,
}

/// <summary>
/// One event for one endpoint: the outbox row written in the same transaction as the delivery's change
/// (<see cref="WebhookOutbox"/>), then sent until a 2xx answer or until it is given up (<see cref="WebhookDispatcher"/>).
/// Its body is fixed when written, so every attempt sends the same bytes under the same <c>webhook-id</c>.
/// </summary>
internal sealed class WebhookMessage
{
    private WebhookMessage()
    {
        Event = string.Empty;
        Body = string.Empty;
    }

    /// <summary>Insertion order across all messages (SQLite rowid); the dispatcher serves the oldest first.</summary>
    public long Sequence { get; private set; }

    /// <summary>Sent as <c>webhook-id</c> ("msg_" + this), the same on every attempt so receivers can deduplicate.</summary>
    public Guid Id { get; private set; }
    public Guid SubscriptionId { get; private set; }
    public Guid DeliveryId { get; private set; }

    /// <summary>Order of this event among the delivery's events: its version at the change, then the step within that write.</summary>
    public long Order { get; private set; }
    public string Event { get; private set; }
    public string Body { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public WebhookMessageState State { get; private set; }
    public int Attempts { get; private set; }
    public DateTimeOffset NextAttemptAt { get; private set; }
    public DateTimeOffset? LastAttemptAt { get; private set; }
    public int? LastStatusCode { get; private set; }
    public string? LastError { get; private set; }

    /// <summary>When it was delivered or given up.</summary>
    public DateTimeOffset? DoneAt { get; private set; }

    public string WebhookId => "msg_" + Id.ToString("N");

    public static WebhookMessage Create(Guid subscriptionId, Guid deliveryId, long order, string eventName, Guid id, string body, DateTimeOffset now) => new()
    {
        Id = id,
        SubscriptionId = subscriptionId,
        DeliveryId = deliveryId,
        Order = order,
        Event = eventName,
        Body = body,
        CreatedAt = now,
        State = WebhookMessageState.Pending,
        NextAttemptAt = now,
    };

    public void RecordDelivered(int statusCode, DateTimeOffset now)
    {
        RequirePending();
        Attempts++;
        LastAttemptAt = now;
        LastStatusCode = statusCode;
        LastError = null;
        State = WebhookMessageState.Delivered;
        DoneAt = now;
    }

    /// <summary>An attempt failed: tries again at <paramref name="retryAt"/>, or gives up when there is none.</summary>
    public void RecordFailure(int? statusCode, string? error, DateTimeOffset now, DateTimeOffset? retryAt)
    {
        RequirePending();
        Attempts++;
        LastAttemptAt = now;
        LastStatusCode = statusCode;
        LastError = error is { Length: > 200 } ? error[..200] : error;
        if (retryAt is { } next)
        {
            NextAttemptAt = next;
        }
        else
        {
            State = WebhookMessageState.Failed;
            DoneAt = now;
        }
    }

    private void RequirePending()
    {
        if (State != WebhookMessageState.Pending)
        {
            throw new InvalidOperationException($"The message is already {State}.");
        }
    }
}
