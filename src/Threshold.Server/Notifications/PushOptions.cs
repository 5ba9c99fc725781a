using System.ComponentModel.DataAnnotations;

namespace Threshold.Server.Notifications;

internal sealed class PushOptions
{
    public const string Section = "Threshold:Push";

    /// <summary>The VAPID <c>sub</c> claim: how a push service reaches the operator (mailto: or https:).</summary>
    [Required, RegularExpression("^(mailto:|https://).+")]
    public string Subject { get; set; } = "mailto:operator@threshold.invalid";

    /// <summary>Tests only: accept http:// endpoints and private addresses (a local push service).</summary>
    public bool AllowPrivateEndpoints { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per push before it is given up; between them 2 s, 10 s, 60 s … (doubling from the third).</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 4;
}
