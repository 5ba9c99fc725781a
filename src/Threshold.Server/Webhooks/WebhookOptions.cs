using System.ComponentModel.DataAnnotations;

namespace Threshold.Server.Webhooks;

internal sealed class WebhookOptions
{
    public const string Section = "Threshold:Webhooks";

    /// <summary>
    /// Lets endpoints be on private, loopback and link-local addresses, and plain http. Off in production: a carrier's
    /// URL must not make the server call into the network it runs in. The tests' receivers listen on loopback.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>How long one attempt may take, connect to last response header.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The wait after the first failed attempt; each later wait doubles, with jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between two attempts.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(4);

    /// <summary>How long after the event the last attempt is made; after it fails the message is marked failed.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the dispatcher looks for due retries (on the machine's timer; new events wake it at once).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Attempts in flight at once, to different endpoints or deliveries.</summary>
    [Range(1, 64)]
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>Endpoints one carrier may register.</summary>
    [Range(1, 100)]
    public int MaxPerCarrier { get; set; } = 10;
}
