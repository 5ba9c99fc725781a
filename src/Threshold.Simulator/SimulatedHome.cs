using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Threshold.Simulator;

/// <summary>
/// A virtual front door speaking zigbee2mqtt over MQTT: a Zigbee lock (bolt, PIN slots, keypad, jam) and a
/// door contact sensor. Drive it in-process with the methods below, or over HTTP via <see cref="ControlUrl"/>.
/// </summary>
/// <example>
/// <code>
/// await using var home = await SimulatedHome.StartAsync(new SimulatorOptions { MqttPort = 1883 });
/// await home.WaitUntilConnectedAsync();
/// await home.OpenDoorAsync();
/// </code>
/// </example>
public sealed partial class SimulatedHome : IAsyncDisposable
{
    private readonly HomeDevices devices;
    private readonly BrokerConnection broker;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private ControlSurface? control;
    private Task brokerLoop = Task.CompletedTask;
    private Task inboxLoop = Task.CompletedTask;
    private int disposed;

    private SimulatedHome(SimulatorOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        Options = options;
        logger = loggerFactory.CreateLogger("Threshold.Simulator");
        broker = new BrokerConnection(options, timeProvider, logger);
        devices = new HomeDevices(options, broker, timeProvider, logger, stopping.Token);
        devices.Changed += state => StateChanged?.Invoke(this, state);
    }

    /// <summary>Raised after any change of <see cref="GetState"/> (bolt, door, reachability, slots).</summary>
    public event EventHandler<SimulatorState>? StateChanged;

    public SimulatorOptions Options { get; }

    /// <summary>The control surface's base URL with the bound port; null when none was requested.</summary>
    public Uri? ControlUrl => control?.BaseUrl;

    /// <summary>True while the MQTT connection is up.</summary>
    public bool IsConnected => broker.IsConnected;

    /// <summary>The lock's state topic, e.g. <c>zigbee2mqtt/front_door_lock</c>.</summary>
    public string LockTopic => Options.LockTopic;

    /// <summary>The contact sensor's state topic, e.g. <c>zigbee2mqtt/front_door_contact</c>.</summary>
    public string ContactTopic => Options.ContactTopic;

    internal long InboundHandled => devices.InboundHandled;

    public static Task<SimulatedHome> StartAsync(SimulatorOptions options, CancellationToken cancellationToken = default) =>
        StartAsync(options, TimeProvider.System, NullLoggerFactory.Instance, cancellationToken);

    /// <summary>
    /// Starts the control surface (if configured) and the supervised MQTT connection. Does not wait for the
    /// broker: the simulator keeps retrying, as zigbee2mqtt does; use <see cref="WaitUntilConnectedAsync"/>.
    /// </summary>
    public static async Task<SimulatedHome> StartAsync(
        SimulatorOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        options.Validate();
        var home = new SimulatedHome(options, timeProvider, loggerFactory);
        try
        {
            if (options.ControlUrl is { } url)
            {
                home.control = await ControlSurface.StartAsync(url, home, loggerFactory, cancellationToken);
            }

            home.brokerLoop = Task.Run(() => home.broker.RunAsync(home.devices.AnnounceAsync, home.stopping.Token), CancellationToken.None);
            home.inboxLoop = Task.Run(home.ProcessInboxAsync, CancellationToken.None);
            return home;
        }
        catch
        {
            await home.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until connected to the broker and the on-connect publications are out.</summary>
    public Task WaitUntilConnectedAsync(CancellationToken cancellationToken = default) => broker.WhenReadyAsync(cancellationToken);

    /// <summary>The physical truth (bolt, door, reachability, programmed slots); never PIN codes.</summary>
    public SimulatorState GetState() => devices.Snapshot;

    /// <summary>Opens the door, whatever the bolt says (a locked door opened is a forced door).</summary>
    public Task OpenDoorAsync(CancellationToken cancellationToken = default) => devices.SetDoorAsync(closed: false, cancellationToken);

    public Task CloseDoorAsync(CancellationToken cancellationToken = default) => devices.SetDoorAsync(closed: true, cancellationToken);

    /// <summary>Jams the motor: later lock/unlock attempts leave the lock not_fully_locked with door_state error_jammed.</summary>
    public Task JamAsync(CancellationToken cancellationToken = default) => devices.JamAsync(cancellationToken);

    /// <summary>Clears the jam; the bolt is where it was before the jam.</summary>
    public Task UnjamAsync(CancellationToken cancellationToken = default) => devices.UnjamAsync(cancellationToken);

    /// <summary>Both devices become unreachable: availability offline, commands ignored, nothing published.</summary>
    public Task GoOfflineAsync(CancellationToken cancellationToken = default) => devices.SetOnlineAsync(false, cancellationToken);

    public Task GoOnlineAsync(CancellationToken cancellationToken = default) => devices.SetOnlineAsync(true, cancellationToken);

    /// <summary>Types a code on the keypad; true when an enabled slot accepted it (and the lock unlocked).</summary>
    /// <exception cref="ArgumentException">The code is not 1 to 16 digits (a keypad has only digits).</exception>
    public Task<bool> TypeCodeAsync(string code, CancellationToken cancellationToken = default)
    {
        if (!IsKeypadCode(code))
        {
            throw new ArgumentException("A keypad code is 1 to 16 digits.", nameof(code));
        }

        return devices.TypeCodeAsync(code, cancellationToken);
    }

    /// <summary>Someone inside turns the thumb-turn to unlock.</summary>
    /// <exception cref="SimulatorConflictException">The bolt is jammed (code <c>bolt_jammed</c>).</exception>
    public Task ManualUnlockAsync(CancellationToken cancellationToken = default) => devices.TurnThumbAsync(locked: false, cancellationToken);

    /// <exception cref="SimulatorConflictException">The bolt is jammed (code <c>bolt_jammed</c>).</exception>
    public Task ManualLockAsync(CancellationToken cancellationToken = default) => devices.TurnThumbAsync(locked: true, cancellationToken);

    /// <summary>Stops the control surface, announces bridge offline (retained) and disconnects.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        if (control is not null)
        {
            await control.DisposeAsync();
        }

        await stopping.CancelAsync();
        await Task.WhenAll(brokerLoop, inboxLoop).ContinueWith(_ => { }, TaskScheduler.Default);
        await broker.DisposeAsync();
        stopping.Dispose();
    }

    internal static bool IsKeypadCode(string? code) => code is { Length: >= 1 and <= 16 } && code.All(char.IsAsciiDigit);

    private async Task ProcessInboxAsync()
    {
        try
        {
            await foreach (var message in broker.Inbox.ReadAllAsync(stopping.Token))
            {
                // HandleInboundAsync logs and swallows bad input; only shutdown ends this loop.
                await devices.HandleInboundAsync(message.Topic, message.Payload, stopping.Token);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogInboxStopped(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Simulator command loop stopped unexpectedly")]
    private static partial void LogInboxStopped(ILogger logger, Exception exception);
}
