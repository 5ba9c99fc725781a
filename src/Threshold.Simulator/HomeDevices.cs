using Microsoft.Extensions.Logging;

namespace Threshold.Simulator;

/// <summary>Where the devices' MQTT messages go (the broker connection, or a fake in tests).</summary>
internal interface IDevicePublisher
{
    Task PublishAsync(string topic, byte[] payload, bool retain, CancellationToken cancellationToken);
}

/// <summary>A programmed PIN slot. <c>UserType</c> is kept because non_access users never open the door.</summary>
internal sealed record PinSlot(string Pin, bool Enabled, string UserType);

/// <summary>
/// The physical home: bolt, PIN slots, keypad, jam, door, radio reachability. Every change happens under
/// one gate, like the single motor and radio of a real lock, so publications come out in the order the
/// changes happened. This half holds the physical actions; the MQTT command half is in HomeDevices.Commands.cs.
/// </summary>
internal sealed partial class HomeDevices(SimulatorOptions options, IDevicePublisher publisher, TimeProvider time, ILogger logger, CancellationToken shutdown)
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly SortedDictionary<int, PinSlot> slots = [];
    private bool boltLocked = options.InitiallyLocked;
    private bool doorClosed = options.InitiallyClosed;
    private bool jammed;
    private bool jamShowing;
    private bool reportsDoorState;
    private bool online = true;
    private long? lastPinSave;
    private long? lastPinClear;
    private long inboundHandled;
    private SimulatorState snapshot = new(
        options.InitiallyLocked ? BoltPosition.Locked : BoltPosition.Unlocked,
        options.InitiallyClosed ? DoorPosition.Closed : DoorPosition.Open,
        true,
        []);

    public event Action<SimulatorState>? Changed;

    public SimulatorState Snapshot => Volatile.Read(ref snapshot);

    /// <summary>MQTT messages fully handled (acted on or dropped) so far; lets tests wait for "ignored".</summary>
    public long InboundHandled => Interlocked.Read(ref inboundHandled);

    /// <summary>What zigbee2mqtt publishes when it (re)connects to the broker.</summary>
    public Task AnnounceAsync(CancellationToken ct) => GatedAsync(async () =>
    {
        await publisher.PublishAsync(options.BridgeStateTopic, Z2mPayloads.Availability(true), retain: true, ct);
        await PublishAvailabilityAsync(ct);
        await PublishContactAsync(ct);
        await PublishLockAsync(null, ct);
    }, ct);

    public Task SetDoorAsync(bool closed, CancellationToken ct) => GatedAsync(async () =>
    {
        if (doorClosed == closed)
        {
            return;
        }

        // Opening while the bolt is thrown is allowed: it is how a forced door looks to the hub.
        doorClosed = closed;
        await PublishContactAsync(shutdown);
        if (reportsDoorState && !jamShowing)
        {
            await PublishLockAsync(null, shutdown);
        }
    }, ct);

    public Task JamAsync(CancellationToken ct) => GatedAsync(() =>
    {
        // Nothing is reported until the motor next tries to move, as with a real jam.
        jammed = true;
        return Task.CompletedTask;
    }, ct);

    public Task UnjamAsync(CancellationToken ct) => GatedAsync(async () =>
    {
        jammed = false;
        if (jamShowing)
        {
            // The bolt never moved, so the lock reports where it actually is again.
            jamShowing = false;
            await PublishLockAsync(null, shutdown);
        }
    }, ct);

    public Task SetOnlineAsync(bool value, CancellationToken ct) => GatedAsync(async () =>
    {
        if (online == value)
        {
            return;
        }

        online = value;
        await PublishAvailabilityAsync(shutdown);
        if (online)
        {
            // Whatever happened physically while unreachable shows up in the first report after rejoining.
            await PublishContactAsync(shutdown);
            await PublishLockAsync(null, shutdown);
        }
    }, ct);

    /// <summary>Someone types a code on the keypad; true when a slot accepted it.</summary>
    public Task<bool> TypeCodeAsync(string code, CancellationToken ct) => GatedAsync(async () =>
    {
        var match = slots.FirstOrDefault(s => s.Value.Pin == code);
        var found = match.Value is not null;
        if (!found || !match.Value!.Enabled || match.Value.UserType == "non_access")
        {
            var failure = found && match.Value!.Enabled ? "non_access_user_operational_event" : "unlock_failure_invalid_pin_or_id";
            await PublishLockAsync(new LockAction(failure, found ? match.Key : 0, Z2mPayloads.SourceKeypad), shutdown);
            return false;
        }

        await ActuateAsync(locked: false, ct);
        // The code was accepted even if the motor jams: the hub must still treat a single-use code as spent.
        await PublishLockAsync(new LockAction("unlock", match.Key, Z2mPayloads.SourceKeypad), shutdown);
        return true;
    }, ct);

    /// <summary>Someone inside turns the thumb-turn.</summary>
    public Task TurnThumbAsync(bool locked, CancellationToken ct) => GatedAsync(async () =>
    {
        if (jammed)
        {
            throw new SimulatorConflictException("bolt_jammed", "The bolt is jammed; the thumb-turn does not move.");
        }

        if (boltLocked == locked && !jamShowing)
        {
            return;
        }

        boltLocked = locked;
        jamShowing = false;
        await PublishLockAsync(new LockAction(locked ? "manual_lock" : "manual_unlock", 0, Z2mPayloads.SourceManual), shutdown);
    }, ct);

    /// <summary>Runs the motor; a jam leaves the bolt where it was and the lock not fully locked.</summary>
    private async Task ActuateAsync(bool locked, CancellationToken ct)
    {
        if (options.ActuationDelay > TimeSpan.Zero)
        {
            await Task.Delay(options.ActuationDelay, time, ct);
        }

        if (jammed)
        {
            jamShowing = true;
            reportsDoorState = true;
            LogJammed(logger, locked ? "lock" : "unlock");
            return;
        }

        boltLocked = locked;
        jamShowing = false;
    }

    private LockView View => new(boltLocked, jamShowing, reportsDoorState, doorClosed, options.LockBattery, options.LinkQuality, lastPinSave, lastPinClear);

    private async Task PublishAvailabilityAsync(CancellationToken ct)
    {
        var payload = Z2mPayloads.Availability(online);
        await publisher.PublishAsync($"{options.LockTopic}/availability", payload, retain: true, ct);
        await publisher.PublishAsync($"{options.ContactTopic}/availability", payload, retain: true, ct);
    }

    /// <summary>An unreachable device says nothing; its state is re-sent when it comes back.</summary>
    private Task PublishLockAsync(LockAction? action, CancellationToken ct, IReadOnlyList<UserReport>? users = null) =>
        online ? publisher.PublishAsync(options.LockTopic, Z2mPayloads.Lock(View, action, users), options.RetainState, ct) : Task.CompletedTask;

    private Task PublishContactAsync(CancellationToken ct) =>
        online
            ? publisher.PublishAsync(options.ContactTopic, Z2mPayloads.Contact(doorClosed, options.ContactBattery, options.LinkQuality), options.RetainState, ct)
            : Task.CompletedTask;

    private async Task GatedAsync(Func<Task> action, CancellationToken ct) =>
        await GatedAsync(async () =>
        {
            await action();
            return true;
        }, ct);

    private async Task<T> GatedAsync<T>(Func<Task<T>> action, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            return await action();
        }
        finally
        {
            var next = new SimulatorState(
                jammed ? BoltPosition.Jammed : boltLocked ? BoltPosition.Locked : BoltPosition.Unlocked,
                doorClosed ? DoorPosition.Closed : DoorPosition.Open,
                online,
                [.. slots.Select(s => new SlotState(s.Key, s.Value.Enabled))]);
            var changed = !next.SameAs(snapshot);
            Volatile.Write(ref snapshot, next);
            gate.Release();
            if (changed)
            {
                RaiseChanged(next);
            }
        }
    }

    private void RaiseChanged(SimulatorState state)
    {
        try
        {
            Changed?.Invoke(state);
        }
        catch (Exception e)
        {
            // A subscriber's bug must not break the simulated lock.
            LogSubscriberFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lock motor jammed while trying to {Operation}")]
    private static partial void LogJammed(ILogger logger, string operation);

    [LoggerMessage(Level = LogLevel.Error, Message = "A StateChanged subscriber threw")]
    private static partial void LogSubscriberFailed(ILogger logger, Exception exception);
}
