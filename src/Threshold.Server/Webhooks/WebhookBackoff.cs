namespace Threshold.Server.Webhooks;

/// <summary>
/// When a failed message is tried again: the wait doubles from <see cref="WebhookOptions.FirstRetryDelay"/> up to
/// <see cref="WebhookOptions.MaxRetryDelay"/>, each wait jittered by ±20 % so endpoints that failed together do not
/// all retry together; the last attempt is made <see cref="WebhookOptions.GiveUpAfter"/> after the event, after which
/// the message is failed (null here).
/// </summary>
internal static class WebhookBackoff
{
    public static DateTimeOffset? NextAttempt(WebhookOptions options, DateTimeOffset createdAt, int attemptsMade, DateTimeOffset now, double random)
    {
        var deadline = createdAt + options.GiveUpAfter;
        if (now >= deadline)
        {
            return null;
        }

        var doubling = Math.Pow(2, Math.Min(attemptsMade - 1, 30));
        var delay = Math.Min(options.FirstRetryDelay.TotalSeconds * doubling, options.MaxRetryDelay.TotalSeconds);
        var jittered = Math.Min(delay * (0.8 + 0.4 * random), options.MaxRetryDelay.TotalSeconds);
        var next = now + TimeSpan.FromSeconds(jittered);
        return next < deadline ? next : deadline;
    }
}
