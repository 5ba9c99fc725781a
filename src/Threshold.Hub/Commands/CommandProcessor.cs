using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Threshold.Hub.Door;
using Threshold.Hub.Keypad;
using Threshold.Hub.Outbox;
using Threshold.Hub.Server;
using Threshold.Hub.Storage;
using Threshold.Protocol;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Events;
using Threshold.Protocol.Messages;
using Threshold.Protocol.Topics;

namespace Threshold.Hub.Commands;

/// <summary>
/// Server commands (docs/hub-protocol.md "Commands"): verify with the pinned keys only, record the jti durably, then
/// dispatch (lock/unlock to the door, sync_credentials to the keypad, rotate_key to the trusted keys), reply, and record
/// the outcome as an event.
/// </summary>
internal sealed partial class CommandProcessor : BackgroundService
{
    private readonly ServerLink link;
    private readonly JtiStore jtis;
    private readonly EventOutbox outbox;
    private readonly DoorController door;
    private readonly KeypadStore keypad;
    private readonly CredentialSync sync;
    private readonly ServerKeyRotation rotation;
    private readonly HubRuntime runtime;
    private readonly TimeProvider time;
    private readonly ILogger<CommandProcessor> logger;
    private readonly TimeSpan skew;
    private readonly CommandAuthority authority;

    public CommandProcessor(
        ServerLink link, JtiStore jtis, EventOutbox outbox, DoorController door, KeypadStore keypad, CredentialSync sync,
        ServerKeyRotation rotation, HubRuntime runtime, TimeProvider time, IOptions<HubSettings> options, ILogger<CommandProcessor> logger)
    {
        (this.link, this.jtis, this.outbox, this.door, this.keypad, this.sync, this.rotation) = (link, jtis, outbox, door, keypad, sync, rotation);
        (this.runtime, this.time, this.logger) = (runtime, time, logger);
        skew = TimeSpan.FromSeconds(options.Value.ClockSkewSeconds);
        authority = new CommandAuthority(runtime.Identity, time, skew);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await InboxLoop.RunAsync(link.Commands, HandleAsync, (_, e) => LogFailed(logger, e), null, stoppingToken);
        }
        finally
        {
            authority.Dispose();
        }
    }

    internal async Task HandleAsync(byte[] payload, CancellationToken ct)
    {
        if (payload.Length > ServerLink.MaxCommandPayloadBytes)
        {
            LogDropped(logger, "oversized payload");
            return;
        }

        if (!JwsEnvelope.TryParse(payload, out var envelope))
        {
            LogDropped(logger, "not {\"jws\":\"...\"}");
            return;
        }

        var verification = authority.Verify(envelope.Jws);
        if (!verification.Ok || verification.Claims is not { } claims)
        {
            await RefuseAsync(CommandEnvelope.PeekJti(envelope.Jws), verification.Error ?? ProtocolErrors.Malformed, ct);
            return;
        }

        // Durable before anything moves: a jti is executed at most once, whatever restarts happen.
        if (!jtis.TryRecord(claims.Jti, claims.ExpiresAt + skew, time.GetUtcNow()))
        {
            await RefuseAsync(claims.Jti, ProtocolErrors.Replayed, ct);
            return;
        }

        // The one spelling of the lock id, as for the hub id: no second spelling can name the same device.
        if (runtime.LockId is not { } lockId || claims.DeviceId != lockId.ToString("D"))
        {
            await RefuseAsync(claims.Jti, ProtocolErrors.UnknownDevice, ct);
            return;
        }

        var outcome = claims.Command switch
        {
            CommandNames.Unlock => await DoorAsync(locked: false, claims, ct),
            CommandNames.Lock => await DoorAsync(locked: true, claims, ct),
            CommandNames.SyncCredentials => sync.Apply(claims.Args, out var version) is { } refused ? new Outcome(refused) : new Outcome(null, version),
            CommandNames.RotateKey => new Outcome(rotation.Apply(authority, claims.Args)),
            _ => new Outcome(ProtocolErrors.Malformed),
        };
        if (outcome.Error is { } error)
        {
            await RefuseAsync(claims.Jti, error, ct);
            return;
        }

        claims.Args.TryGetValue(DoorCommandArgs.ReferenceArg, out var reference);
        var isDoor = claims.Command is CommandNames.Unlock or CommandNames.Lock;
        outbox.Append(new CommandExecuted(0, default, claims.Jti, claims.Command, lockId, isDoor ? reference : null, outcome.Version));
        await ReplyAsync(CommandReply.Accepted(claims.Jti), ct);
    }

    /// <summary>Moves the bolt; done when the lock reports the target state.</summary>
    private async Task<Outcome> DoorAsync(bool locked, CommandClaims claims, CancellationToken ct)
    {
        // Lockout suspends every access but a resident's own, on the hub too (DESIGN §4); a reference the hub cannot
        // read counts as someone else's (fail secure).
        var subjectToLockout = !DoorCommandArgs.TryRead(claims.Args, out var args) || args.Reference.SubjectToLockout;
        if (!locked && subjectToLockout && keypad.LockoutAt(time.GetUtcNow()))
        {
            return new Outcome(ProtocolErrors.LockoutActive);
        }

        return new Outcome(await door.ActuateAsync(locked, ct) switch
        {
            ActuationResult.Ok => null,
            ActuationResult.Offline => ProtocolErrors.DeviceOffline,
            ActuationResult.Jammed => ProtocolErrors.Jammed,
            _ => ProtocolErrors.ActuationFailed,
        });
    }

    private async Task RefuseAsync(string? jti, string error, CancellationToken ct)
    {
        LogRefused(logger, jti ?? "(none)", error);
        outbox.Append(new CommandRefused(0, default, jti, error));
        if (jti is not null)
        {
            await ReplyAsync(CommandReply.Refused(jti, error), ct);
        }
    }

    private async Task ReplyAsync(CommandReply reply, CancellationToken ct)
    {
        try
        {
            await link.PublishAsync(TopicLeaf.Reply, reply.ToUtf8Bytes(), retain: false, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The event is durable; the server's request times out and it learns the outcome from the outbox.
            LogReplyFailed(logger, e.Message);
        }
    }

    /// <summary>A dispatched command: refused with <see cref="Error"/>, or done (a stored set's <see cref="Version"/>).</summary>
    private sealed record Outcome(string? Error, long? Version = null);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped command: {Reason}")]
    private static partial void LogDropped(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused command {Jti}: {Error}")]
    private static partial void LogRefused(ILogger logger, string jti, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish a reply: {Error}")]
    private static partial void LogReplyFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Command handling failed")]
    private static partial void LogFailed(ILogger logger, Exception e);
}

internal static class CommandsFeature
{
    public static IServiceCollection AddCommands(this IServiceCollection services) =>
        services.AddSingleton<ServerKeyRotation>().AddHostedSingleton<CommandProcessor>();
}
