using System.ComponentModel.DataAnnotations;

namespace Threshold.Server.Auth;

internal sealed class AuthOptions
{
    public const string Section = "Threshold:Auth";

    [Range(1, 100)]
    public int MaxFailedLogins { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);
}
