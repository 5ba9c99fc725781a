using Microsoft.AspNetCore.Http.HttpResults;
using Threshold.Domain.Access;
using Threshold.Protocol;
using Threshold.Protocol.Access;
using Threshold.Server.Audit;
using Threshold.Server.Data;
using Threshold.Server.Hubs;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Doors;

/// <summary>A lock command as it goes to the hub, on whose behalf (<see cref="Reference"/>) and by whom (<see cref="Actor"/>, audited).</summary>
internal sealed record DoorCommand(Guid HomeId, Guid LockId, LockAction Action, AccessReference Reference, string Actor);

/// <summary>What the checks at the door decided inside the write: the command to send, or the refusal (nothing is sent).</summary>
internal readonly record struct DoorDecision(DoorCommand? Command, ProblemHttpResult? Refusal)
{
    public static DoorDecision Send(DoorCommand command) => new(command, null);

    public static implicit operator DoorDecision(ProblemHttpResult refusal) => new(null, refusal);
}

/// <summary>
/// The one way a door is commanded — a courier's entry and relock (<c>Courier/CourierDoor.cs</c>), a guest's app unlock
/// (<c>Grants/AccessApi.cs</c>), a resident's remote lock/unlock (<c>Doors/LocksApi.cs</c>):
/// <list type="number">
/// <item>decide, in one write: the caller's checks run, audit their decision and consume what the entry uses (the
/// delivery's single entry, one of the grant's entries); the service adds the <c>lock.command</c> record to the same
/// transaction. A refusal ends here, with nothing sent.</item>
/// <item>send: the signed command goes to the home's hub, which answers once the bolt moved.</item>
/// <item>the failure policy, the same for every caller, when the hub refuses (502 <c>hub_refused</c>; 403
/// <c>lockout_active</c> for the hub's own lockout refusal), does not confirm in time (504 <c>hub_timeout</c>) or is
/// offline (503 <c>hub_offline</c>):
///   the entry stays consumed — on a timeout the hub may still have carried the command out, and a command is never
///   retried on the same entry, so no failure can turn into a second entry; a <c>lock.command_failed</c> record with the
///   hub's code joins the audit trail; and the caller's own consequence runs in that same write (a delivery whose single
///   entry is spent without the door opening fails with <c>hub_{code}</c>).</item>
/// </list>
/// A request that is itself cancelled while it waits for the hub records nothing more: the hub's signed report of
/// what it did (<c>command_executed</c>) is the record then.
/// </summary>
internal sealed partial class DoorCommands(ThresholdDbContext db, AuditTrail audit, IHubGateway hubs, ILogger<DoorCommands> logger)
{
    /// <param name="decide">Runs inside the write transaction (see above).</param>
    /// <param name="failed">The caller's consequence of a command the hub did not carry out, in the write that records it.</param>
    /// <returns>Null once the hub confirmed; otherwise the answer for the person who asked.</returns>
    public async Task<ProblemHttpResult?> RunAsync(
        Func<CancellationToken, Task<DoorDecision>> decide, Func<DoorCommand, string, CancellationToken, Task>? failed, CancellationToken ct)
    {
        var decision = await db.WriteAsync(audit, async c =>
        {
            var decided = await decide(c);
            if (decided.Command is { } command)
            {
                await audit.AppendAsync(command.HomeId, AuditTypes.LockCommand, command.Actor, Record(command, error: null), c);
            }

            return decided;
        }, ct);
        if (decision.Command is not { } sent)
        {
            return decision.Refusal ?? throw new InvalidOperationException("A door decision is a command or a refusal.");
        }

        var outcome = await hubs.SendAsync(sent.HomeId, sent.LockId, sent.Action, sent.Reference, ct);
        if (outcome.Ok)
        {
            return null;
        }

        var error = outcome.Error ?? ProtocolErrors.Unknown;
        LogNotCarriedOut(logger, sent.Action, sent.Reference.Kind, sent.Reference.Id, error);
        // Recorded whatever happens to the request now: the command is on the record as sent, so its failure is too.
        await db.WriteAsync(audit, async c =>
        {
            await audit.AppendAsync(sent.HomeId, AuditTypes.LockCommandFailed, sent.Actor, Record(sent, error), c);
            if (failed is not null)
            {
                await failed(sent, error, c);
            }

            return true;
        }, CancellationToken.None);
        return HubProblems.From(error);
    }

    /// <summary>The audit record of a command: whose access it serves, the lock, the action (and the hub's code if it failed).</summary>
    private static Dictionary<string, object> Record(DoorCommand command, string? error)
    {
        var data = new Dictionary<string, object>();
        switch (command.Reference.Kind)
        {
            case AccessKind.Delivery: data["deliveryId"] = command.Reference.Id; break;
            case AccessKind.Grant: data["grantId"] = command.Reference.Id; break;
        }

        data["lockId"] = command.LockId;
        data["action"] = command.Action == LockAction.Unlock ? "unlock" : "lock";
        if (command.Reference.Kind == AccessKind.Resident)
        {
            data["remote"] = true;
        }

        if (error is not null)
        {
            data["error"] = error;
        }

        return data;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hub did not carry out the {Action} for {Kind} {Id}: {Error}")]
    private static partial void LogNotCarriedOut(ILogger logger, LockAction action, AccessKind kind, Guid id, string error);
}

/// <summary>How a command the hub did not carry out (<see cref="ProtocolErrors"/>) is answered to the person who asked.</summary>
internal static class HubProblems
{
    public static ProblemHttpResult From(string error) => error switch
    {
        ProtocolErrors.HubOffline => Problems.Create(StatusCodes.Status503ServiceUnavailable, ReasonCodes.HubOffline, "The home's hub is offline."),
        ProtocolErrors.ReplyTimeout => Problems.Create(StatusCodes.Status504GatewayTimeout, "hub_timeout", "The hub did not confirm in time."),
        ProtocolErrors.LockoutActive => Problems.Create(StatusCodes.Status403Forbidden, ReasonCodes.LockoutActive, "The hub refused: lockout is active."),
        _ => Problems.Create(StatusCodes.Status502BadGateway, "hub_refused", $"The hub refused the command: {error}."),
    };
}
