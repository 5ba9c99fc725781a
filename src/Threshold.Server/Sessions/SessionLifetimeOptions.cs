using System.ComponentModel.DataAnnotations;

namespace Threshold.Server.Sessions;

internal sealed class SessionLifetimeOptions
{
    public const string Section = "Threshold:Sessions";

    /// <summary>How often a node picks up sessions other nodes ended; the bound on "within seconds".</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a refresh token lives; each exchange starts a new one.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "90.00:00:00")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);
}
