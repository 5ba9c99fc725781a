using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Threshold.Hub.Zigbee;
using Threshold.Protocol.Events;

namespace Threshold.Hub.Keypad;

/// <summary>What the keypad loop has done, published after each processed message (tests wait on it).</summary>
internal sealed record KeypadSnapshot(
    long Processed, DateTimeOffset EvaluatedAt, long Version, IReadOnlyList<SlotView> Slots, int WrongCodes, DateTimeOffset? KeypadDisabledUntil);

/// <summary>
/// Feeds the <see cref="SlotPlan"/>: after every input (a tick of the injected clock each second, a new set, the lock's
/// answers and keypad actions, the broker or the lock coming back) it works out the wanted codes, sends what the plan
/// says, stores the table and reports it. Keypad unlocks go to <see cref="KeypadEntries"/>, wrong codes to
/// <see cref="WrongCodeCooldown"/>. One loop handles every input in order. Codes are never logged nor put in events.
/// </summary>
internal sealed partial class KeypadLoop : BackgroundService
{
    public static readonly TimeSpan TickPeriod = TimeSpan.FromSeconds(1);

    private readonly Channel<object> inbox = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ZigbeeConnection zigbee;
    private readonly KeypadStore store;
    private readonly KeypadEntries entries;
    private readonly WrongCodeCooldown cooldown;
    private readonly SlotTableReport table;
    private readonly TimeProvider time;
    private readonly ILogger<KeypadLoop> logger;
    private SlotPlan plan = new([]);
    private bool sawConnection;
    private Availability devices = Availability.Unknown;
    private int tickQueued;
    private long processed;
    private DateTimeOffset evaluatedAt = DateTimeOffset.MinValue;
    private volatile KeypadSnapshot snapshot = new(0, DateTimeOffset.MinValue, 0, [], 0, null);

    public KeypadLoop(
        ZigbeeConnection zigbee, KeypadStore store, KeypadEntries entries, WrongCodeCooldown cooldown, SlotTableReport table,
        TimeProvider time, ILogger<KeypadLoop> logger)
    {
        (this.zigbee, this.store, this.entries, this.cooldown, this.table, this.time, this.logger) = (zigbee, store, entries, cooldown, table, time, logger);
        zigbee.Subscribe(DeviceReader.Keypad, Receive);
    }

    public KeypadSnapshot Snapshot => snapshot;

    /// <summary>A new set was stored: re-evaluate now.</summary>
    public void CredentialsChanged() => inbox.Writer.TryWrite(new SetChanged());

    /// <summary>
    /// The keypad acts on lock actions as they happen: a retained state replays the last action on every reconnect
    /// (zigbee2mqtt's retain option); it is state, not an event, and must not count a keypad entry or a wrong code twice.
    /// </summary>
    private void Receive(DeviceReport report)
    {
        if (report is LockReport { Action: not null, Retained: false } or AvailabilityChanged or ZigbeeConnected)
        {
            inbox.Writer.TryWrite(report);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        plan = new SlotPlan(store.LoadSlots());
        entries.Reload();
        cooldown.Load();
        table.Load();
        using var timer = time.CreateTimer(static s => ((KeypadLoop)s!).OnTick(), this, TickPeriod, TickPeriod);
        OnTick();
        await InboxLoop.RunAsync(inbox.Reader, HandleAsync, (m, e) => LogHandlerFailed(logger, m.GetType().Name, e), Publish, stoppingToken);
    }

    private void OnTick()
    {
        if (Interlocked.Exchange(ref tickQueued, 1) == 0)
        {
            inbox.Writer.TryWrite(Tick.Instance);
        }
    }

    private void Publish()
    {
        processed++;
        snapshot = new KeypadSnapshot(processed, evaluatedAt, store.Current?.Version ?? 0, plan.Slots, cooldown.RecentWrongCodes, cooldown.DisabledUntil);
    }

    private async Task HandleAsync(object message, CancellationToken ct)
    {
        var now = evaluatedAt = time.GetUtcNow();
        switch (message)
        {
            case Tick:
                Volatile.Write(ref tickQueued, 0);
                plan.ResendUnanswered(now);
                break;
            case SetChanged:
                entries.Reload();
                break;
            case ZigbeeConnected:
                sawConnection = true;
                plan.RequireSweep();
                break;
            case AvailabilityChanged report:
                devices = report.Now;
                if (report is { Device: DeviceNames.Lock or DeviceNames.Bridge, Online: true, WasKnown: true })
                {
                    // Back from an outage: whatever happened meanwhile, converge the whole range again.
                    plan.RequireSweep();
                }

                break;
            case LockReport { Action: "pin_code_added" or "pin_code_changed", ActionSource: "rf", ActionUser: { } slot }:
                if (plan.Answered(slot))
                {
                    LogConfirmed(logger, slot, plan.Find(slot)!.CredentialId);
                }

                break;
            case LockReport { Action: "unlock", ActionSource: "keypad" } report:
                entries.Unlocked(report.ActionUser, plan, cooldown, now);
                break;
            case LockReport { Action: "unlock_failure_invalid_pin_or_id", ActionSource: "keypad" or null }:
                cooldown.WrongCode(now, store.Current);
                break;
        }

        await ReconcileAsync(now, ct);
    }

    private async Task ReconcileAsync(DateTimeOffset now, CancellationToken ct)
    {
        cooldown.EndIfOver(now);
        var set = store.Current;
        var wanted = WantedCodes.At(now, set, entries.Used, keypadDisabled: cooldown.DisabledUntil is not null);
        var step = plan.Next(wanted, online: sawConnection && devices.LockReachable(zigbee.IsConnected));
        if (step.AssignmentsChanged)
        {
            store.SaveSlots(plan.Assignments);
        }

        await SendAsync(step, now, ct);
        table.Report(set?.Version, plan.Slots, sawConnection);
    }

    private async Task SendAsync(SlotStep step, DateTimeOffset now, CancellationToken ct)
    {
        try
        {
            foreach (var command in step.Commands)
            {
                await zigbee.SendAsync(command, ct);
                plan.Sent(command, now);
                if (command is SlotCommand { Slot: var slot } and not ClearPin)
                {
                    LogSent(logger, command.ToString(), slot, plan.Find(slot)?.CredentialId);
                }
            }

            if (step.Swept is { } cleared)
            {
                LogSwept(logger, cleared, plan.Slots.Count);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Try again on the next tick, from scratch.
            LogSendFailed(logger, e.Message);
            plan.SendFailed();
        }
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record SetChanged;

    [LoggerMessage(Level = LogLevel.Error, Message = "Keypad loop failed handling {Message}")]
    private static partial void LogHandlerFailed(ILogger logger, string message, Exception e);

    [LoggerMessage(Level = LogLevel.Information, Message = "Lock slots re-synced: {Cleared} cleared, {Kept} to program")]
    private static partial void LogSwept(ILogger logger, int cleared, int kept);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent {Command} to the lock for credential {CredentialId} (slot {Slot})")]
    private static partial void LogSent(ILogger logger, string command, int slot, string? credentialId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Slot {Slot} confirmed by the lock for credential {CredentialId}")]
    private static partial void LogConfirmed(ILogger logger, int slot, string credentialId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not program the lock: {Error}; retrying")]
    private static partial void LogSendFailed(ILogger logger, string error);
}

internal static class KeypadFeature
{
    /// <summary>Add after <c>AddZigbee</c>: the loop stops first, so a shutdown's disconnect is not reported as slots going "pending".</summary>
    public static IServiceCollection AddKeypad(this IServiceCollection services) => services
        .AddSingleton<KeypadStore>().AddSingleton<KeypadEvents>().AddSingleton<KeypadEntries>().AddSingleton<WrongCodeCooldown>()
        .AddSingleton<SlotTableReport>().AddSingleton<CredentialSync>().AddHostedSingleton<KeypadLoop>();
}
