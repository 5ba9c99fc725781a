using Microsoft.Extensions.Options;

namespace Threshold.Hub;

/// <summary>Everything the hub needs besides its paired identity; bound from the <c>Hub</c> configuration section.</summary>
public sealed class HubSettings
{
    public const string Section = "Hub";

    /// <summary>Where hub.db, identity.json and the private keys live.</summary>
    public string DataDirectory { get; set; } = "";

    public ZigbeeSettings Zigbee { get; set; } = new();

    public RelockSettings Relock { get; set; } = new();

    public HomeBrokerCheckSettings HomeBrokerCheck { get; set; } = new();

    /// <summary>Tolerated clock difference when checking command times (and how long a jti is kept after exp).</summary>
    public int ClockSkewSeconds { get; set; } = 5;

    /// <summary>How long an unlock/lock waits for the lock to report the target <c>lock_state</c>.</summary>
    public double CommandTimeoutSeconds { get; set; } = 5;

    /// <summary>Longest pause between reconnect attempts (exponential backoff with jitter up to this).</summary>
    public double ReconnectMaxSeconds { get; set; } = 10;

    /// <summary>How long the hub waits for an <c>ack</c> before re-sending the same batch.</summary>
    public double BatchResendSeconds { get; set; } = 5;

    public static string DefaultDataDirectory()
    {
        var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
        return string.IsNullOrEmpty(root) ? Path.GetFullPath("hub-data") : Path.Combine(root, "threshold-hub");
    }

    internal HubSettings Clone() => new()
    {
        DataDirectory = DataDirectory,
        Zigbee = new ZigbeeSettings
        {
            Host = Zigbee.Host,
            Port = Zigbee.Port,
            Username = Zigbee.Username,
            Password = Zigbee.Password,
            BaseTopic = Zigbee.BaseTopic,
            LockDevice = Zigbee.LockDevice,
            ContactDevice = Zigbee.ContactDevice,
        },
        Relock = new RelockSettings
        {
            AfterCloseSeconds = Relock.AfterCloseSeconds,
            MaxUnlockedSeconds = Relock.MaxUnlockedSeconds,
            DoorHeldOpenSeconds = Relock.DoorHeldOpenSeconds,
            LockedWhileOpenSeconds = Relock.LockedWhileOpenSeconds,
        },
        HomeBrokerCheck = new HomeBrokerCheckSettings
        {
            Enabled = HomeBrokerCheck.Enabled,
            IntervalMinutes = HomeBrokerCheck.IntervalMinutes,
            ProbeTimeoutSeconds = HomeBrokerCheck.ProbeTimeoutSeconds,
        },
        ClockSkewSeconds = ClockSkewSeconds,
        CommandTimeoutSeconds = CommandTimeoutSeconds,
        ReconnectMaxSeconds = ReconnectMaxSeconds,
        BatchResendSeconds = BatchResendSeconds,
    };
}

/// <summary>The home's zigbee2mqtt broker and the device names the hub drives.</summary>
public sealed class ZigbeeSettings
{
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 1883;

    public string? Username { get; set; }

    public string? Password { get; set; }

    public string BaseTopic { get; set; } = "zigbee2mqtt";

    public string LockDevice { get; set; } = "front_door_lock";

    public string ContactDevice { get; set; } = "front_door_contact";
}

/// <summary>
/// The check that the home broker admits nobody but zigbee2mqtt and the hub (HomeBroker/HomeBrokerWatch.cs): at start,
/// then every <see cref="IntervalMinutes"/>. Off, the hub reports the home broker as unknown, never as closed.
/// </summary>
public sealed class HomeBrokerCheckSettings
{
    public bool Enabled { get; set; } = true;

    public double IntervalMinutes { get; set; } = 60;

    /// <summary>Longest wait for a probe <c>set</c> to reach the hub's own subscription (usually a barrier ends it sooner).</summary>
    public double ProbeTimeoutSeconds { get; set; } = 3;
}

/// <summary>Fail-secure timings (DESIGN §4).</summary>
public sealed class RelockSettings
{
    public double AfterCloseSeconds { get; set; } = 5;

    public double MaxUnlockedSeconds { get; set; } = 30;

    public double DoorHeldOpenSeconds { get; set; } = 60;

    /// <summary>
    /// How long the lock may report "locked" while the contact still reports open before that is an alarm: longer than a
    /// bolt takes to throw and the two devices' reports take to arrive in either order.
    /// </summary>
    public double LockedWhileOpenSeconds { get; set; } = 3;
}

internal sealed class HubSettingsValidator : IValidateOptions<HubSettings>
{
    public ValidateOptionsResult Validate(string? name, HubSettings options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            errors.Add("Hub:DataDirectory is required.");
        }

        var z = options.Zigbee;
        if (z is null)
        {
            errors.Add("Hub:Zigbee is required.");
        }
        else
        {
            if (string.IsNullOrWhiteSpace(z.Host))
            {
                errors.Add("Hub:Zigbee:Host is required.");
            }

            if (z.Port is < 1 or > 65535)
            {
                errors.Add("Hub:Zigbee:Port must be 1-65535.");
            }

            CheckTopicPart(errors, "Hub:Zigbee:BaseTopic", z.BaseTopic, allowSlash: true);
            CheckTopicPart(errors, "Hub:Zigbee:LockDevice", z.LockDevice, allowSlash: true);
            CheckTopicPart(errors, "Hub:Zigbee:ContactDevice", z.ContactDevice, allowSlash: true);
            if (string.Equals(z.LockDevice, z.ContactDevice, StringComparison.Ordinal))
            {
                errors.Add("Hub:Zigbee:LockDevice and ContactDevice must differ.");
            }

            // The home broker check commands devices of this name: none of the hub's own may carry it.
            if (new[] { z.LockDevice, z.ContactDevice }.Any(d => d?.StartsWith(HomeBroker.HomeBrokerProbe.DevicePrefix, StringComparison.Ordinal) == true))
            {
                errors.Add($"Hub:Zigbee device names must not start with '{HomeBroker.HomeBrokerProbe.DevicePrefix}'.");
            }
        }

        var r = options.Relock;
        if (r is null)
        {
            errors.Add("Hub:Relock is required.");
        }
        else
        {
            Positive(errors, "Hub:Relock:AfterCloseSeconds", r.AfterCloseSeconds, 3600);
            Positive(errors, "Hub:Relock:MaxUnlockedSeconds", r.MaxUnlockedSeconds, 3600);
            Positive(errors, "Hub:Relock:DoorHeldOpenSeconds", r.DoorHeldOpenSeconds, 86400);
            Positive(errors, "Hub:Relock:LockedWhileOpenSeconds", r.LockedWhileOpenSeconds, 60);
        }

        if (options.HomeBrokerCheck is not { } check)
        {
            errors.Add("Hub:HomeBrokerCheck is required.");
        }
        else
        {
            Positive(errors, "Hub:HomeBrokerCheck:IntervalMinutes", check.IntervalMinutes, 7 * 24 * 60);
            Positive(errors, "Hub:HomeBrokerCheck:ProbeTimeoutSeconds", check.ProbeTimeoutSeconds, 60);
        }

        if (options.ClockSkewSeconds is < 0 or > 300)
        {
            errors.Add("Hub:ClockSkewSeconds must be 0-300.");
        }

        Positive(errors, "Hub:CommandTimeoutSeconds", options.CommandTimeoutSeconds, 120);
        Positive(errors, "Hub:ReconnectMaxSeconds", options.ReconnectMaxSeconds, 600);
        Positive(errors, "Hub:BatchResendSeconds", options.BatchResendSeconds, 600);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(List<string> errors, string name, double value, double max)
    {
        if (!(value > 0 && value <= max))
        {
            errors.Add($"{name} must be > 0 and <= {max}.");
        }
    }

    private static void CheckTopicPart(List<string> errors, string name, string? value, bool allowSlash)
    {
        if (string.IsNullOrWhiteSpace(value) || value.IndexOfAny(['+', '#', '\0']) >= 0 || (!allowSlash && value.Contains('/'))
            || value.StartsWith('/') || value.EndsWith('/'))
        {
            errors.Add($"{name} must be a non-empty MQTT topic part without wildcards.");
        }
    }
}
