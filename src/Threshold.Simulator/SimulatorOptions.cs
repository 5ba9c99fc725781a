namespace Threshold.Simulator;

/// <summary>
/// How the simulated zigbee2mqtt home connects and behaves. Defaults match a stock zigbee2mqtt install
/// with a Kwikset/Schlage-class lock (30 PIN slots) and a door contact sensor.
/// </summary>
public sealed class SimulatorOptions
{
    /// <summary>The home's MQTT broker (the one zigbee2mqtt would talk to).</summary>
    public string MqttHost { get; init; } = "127.0.0.1";

    public int MqttPort { get; init; } = 1883;

    public string? MqttUsername { get; init; }

    public string? MqttPassword { get; init; }

    /// <summary>Null = a random id per instance, so two simulators never steal each other's session.</summary>
    public string? MqttClientId { get; init; }

    /// <summary>zigbee2mqtt's <c>mqtt.base_topic</c>.</summary>
    public string BaseTopic { get; init; } = "zigbee2mqtt";

    public string LockName { get; init; } = "front_door_lock";

    public string ContactName { get; init; } = "front_door_contact";

    /// <summary>PIN slots are numbered 1..SlotCount.</summary>
    public int SlotCount { get; init; } = 30;

    /// <summary>Real locks refuse PINs outside their length limits (the set response reports failure).</summary>
    public int MinPinLength { get; init; } = 4;

    public int MaxPinLength { get; init; } = 8;

    /// <summary>Time the motor takes to throw or retract the bolt; benchmarks set it to zero.</summary>
    public TimeSpan ActuationDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Base URL of the HTTP control surface, e.g. <c>http://127.0.0.1:5090</c>; port 0 picks a free port
    /// (read the bound one from <see cref="SimulatedHome.ControlUrl"/>). Null = no HTTP surface.
    /// </summary>
    public Uri? ControlUrl { get; init; }

    /// <summary>zigbee2mqtt's <c>expose_pin</c> device option: PIN read-backs include the code.</summary>
    public bool ExposePin { get; init; } = true;

    /// <summary>zigbee2mqtt's <c>retain</c> device option; off by default, as in zigbee2mqtt.</summary>
    public bool RetainState { get; init; }

    public bool InitiallyLocked { get; init; } = true;

    public bool InitiallyClosed { get; init; } = true;

    public int LockBattery { get; init; } = 87;

    public int ContactBattery { get; init; } = 100;

    public int LinkQuality { get; init; } = 142;

    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    internal string LockTopic => $"{BaseTopic}/{LockName}";

    internal string ContactTopic => $"{BaseTopic}/{ContactName}";

    internal string BridgeStateTopic => $"{BaseTopic}/bridge/state";

    internal void Validate()
    {
        RequireTopicPart(BaseTopic, nameof(BaseTopic));
        RequireTopicPart(LockName, nameof(LockName));
        RequireTopicPart(ContactName, nameof(ContactName));
        if (LockName == ContactName)
        {
            throw new ArgumentException("The lock and the contact sensor need different names.", nameof(ContactName));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(MqttHost, nameof(MqttHost));
        ArgumentOutOfRangeException.ThrowIfLessThan(MqttPort, 1, nameof(MqttPort));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MqttPort, 65535, nameof(MqttPort));
        ArgumentOutOfRangeException.ThrowIfLessThan(SlotCount, 1, nameof(SlotCount));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SlotCount, 65535, nameof(SlotCount));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinPinLength, 1, nameof(MinPinLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPinLength, MinPinLength, nameof(MaxPinLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(ActuationDelay, TimeSpan.Zero, nameof(ActuationDelay));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReconnectMinDelay, TimeSpan.Zero, nameof(ReconnectMinDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReconnectMaxDelay, ReconnectMinDelay, nameof(ReconnectMaxDelay));
        if (ControlUrl is { } url && (!url.IsAbsoluteUri || url.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException("The control URL must be an absolute http:// URL.", nameof(ControlUrl));
        }
    }

    private static void RequireTopicPart(string value, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, name);
        if (value.AsSpan().IndexOfAny("+#\0") >= 0 || value.StartsWith('/') || value.EndsWith('/'))
        {
            throw new ArgumentException($"'{value}' is not usable in an MQTT topic.", name);
        }
    }
}
