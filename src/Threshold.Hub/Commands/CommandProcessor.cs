using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Threshold.Hub.Door;
using Threshold.Hub.Keypad;
using Threshold.Hub.Outbox;
using Threshold.Hub.Server;
using Threshold.Hub.Storage;
using Threshold.Protocol.Commands;
using Threshold.Protocol;

namespace Threshold.Hub.Commands;

/// <summary>
/// Server commands (docs/hub-protocol.md "Commands"): verify with the pinned keys only, record the jti durably, then
/// dispatch (lock/unlock to the door, sync_credentials to the keypad), reply, and record the outcome as an event.
/// </summary>
internal sealed partial class CommandProcessor : BackgroundService
{
    public const string Replayed = "replayed";
    public const string UnknownDevice = "unknown_device";
    public const string DeviceOffline = "device_offline";
    public const string ActuationFailed = "actuation_failed";
    public const string Jammed = "jammed";
    public const string LockoutActive = "lockout_active";
    public const string SyncCredentials = "sync_credentials";

    private readonly ServerLink link;
    private readonly JtiStore jtis;
    private readonly EventOutbox outbox;
    private readonly DoorController door;
    private readonly KeypadStore keypad;
    private readonly CredentialSync sync;
    private readonly HubRuntime runtime;
    private readonly TimeProvider time;
    private readonly ILogger<CommandProcessor> logger;
    private readonly TimeSpan skew;
    private readonly CommandAuthority authority;

    public CommandProcessor(
        ServerLink link, JtiStore jtis, EventOutbox outbox, DoorController door, KeypadStore keypad, CredentialSync sync,
        HubRuntime runtime, TimeProvider time, IOptions<HubSettings> options, ILogger<CommandProcessor> logger)
    {
        (this.link, this.jtis, this.outbox, this.door, this.keypad, this.sync) = (link, jtis, outbox, door, keypad, sync);
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

        if (CommandEnvelope.ReadJws(payload) is not { } jws)
        {
            LogDropped(logger, "not {\"jws\":\"...\"}");
            return;
        }

        var verification = authority.Verify(jws);
        if (!verification.Ok || verification.Claims is not { } claims)
        {
            await RefuseAsync(CommandEnvelope.PeekJti(jws), verification.Error ?? ProtocolErrors.Malformed, ct);
            return;
        }

        // Durable before anything moves: a jti is executed at most once, whatever restarts happen.
        if (!jtis.TryRecord(claims.Jti, claims.ExpiresAt + skew, time.GetUtcNow()))
        {
            await RefuseAsync(claims.Jti, Replayed, ct);
            return;
        }

        if (runtime.LockId is not { } lockId || !SameId(claims.DeviceId, lockId))
        {
            await RefuseAsync(claims.Jti, UnknownDevice, ct);
            return;
        }

        var outcome = claims.Command switch
        {
            "unlock" => await DoorAsync(locked: false, claims, ct),
            "lock" => await DoorAsync(locked: true, claims, ct),
            SyncCredentials => sync.Apply(claims.Args, out var version) is { } refused ? new Outcome(refused) : new Outcome(null, version),
            _ => new Outcome(ProtocolErrors.Malformed),
        };
        if (outcome.Error is { } error)
        {
            await RefuseAsync(claims.Jti, error, ct);
            return;
        }

        claims.Args.TryGetValue("reference", out var reference);
        var executed = new JsonObject
        {
            ["jti"] = claims.Jti,
            ["cmd"] = claims.Command,
            ["lockId"] = lockId,
            ["reference"] = claims.Command == SyncCredentials ? null : reference,
        };
        if (outcome.Version is { } stored)
        {
            executed["version"] = stored;
        }

        outbox.Append("command_executed", executed);
        await ReplyAsync(new JsonObject { ["jti"] = claims.Jti, ["ok"] = true }, ct);
    }

    /// <summary>Moves the bolt; done when the lock reports the target state.</summary>
    private async Task<Outcome> DoorAsync(bool locked, CommandClaims claims, CancellationToken ct)
    {
        // Lockout suspends every non-resident access, on the hub too (DESIGN §4).
        if (!locked && claims.Args.TryGetValue("reference", out var access)
            && (access.StartsWith("delivery:", StringComparison.Ordinal) || access.StartsWith("grant:", StringComparison.Ordinal))
            && keypad.LockoutAt(time.GetUtcNow()))
        {
            return new Outcome(LockoutActive);
        }

        return new Outcome(await door.ActuateAsync(locked, ct) switch
        {
            ActuationResult.Ok => null,
            ActuationResult.Offline => DeviceOffline,
            ActuationResult.Jammed => Jammed,
            _ => ActuationFailed,
        });
    }

    private async Task RefuseAsync(string? jti, string error, CancellationToken ct)
    {
        LogRefused(logger, jti ?? "(none)", error);
        outbox.Append("command_refused", new JsonObject { ["jti"] = jti, ["error"] = error });
        if (jti is not null)
        {
            await ReplyAsync(new JsonObject { ["jti"] = jti, ["ok"] = false, ["error"] = error }, ct);
        }
    }

    private async Task ReplyAsync(JsonObject reply, CancellationToken ct)
    {
        try
        {
            await link.PublishAsync("reply", reply.ToJsonString(), retain: false, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The event is durable; the server's request times out and it learns the outcome from the outbox.
            LogReplyFailed(logger, e.Message);
        }
    }

    private static bool SameId(string a, string b) =>
        string.Equals(a, b, StringComparison.Ordinal)
        || (Guid.TryParse(a, out var x) && Guid.TryParse(b, out var y) && x == y);

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
    public static IServiceCollection AddCommands(this IServiceCollection services) => services.AddHostedSingleton<CommandProcessor>();
}
