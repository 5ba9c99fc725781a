using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Threshold.Protocol;
using Threshold.Protocol.Commands;
using Threshold.Server.Audit;
using Threshold.Server.Data;
using Threshold.Server.Homes;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Hubs;

/// <summary>
/// Command-key rotation (docs/hub-protocol.md "Key rotation"). <see cref="RotateAsync"/> (the operator's
/// <c>key rotate</c>, Cli/OperatorCommands.cs) makes a new current key and marks every hub to receive it
/// (<see cref="Hub.PendingKid"/>); each marked hub is sent <c>rotate_key</c>, signed with the key it trusts, once that
/// write has committed, again whenever it comes (back) online (<see cref="KeyRotationChanges"/>) or reconnects
/// (<c>HubInbox</c>'s state reports), and at every start.
/// The hub's confirmation switches its commands to the new key (<see cref="Hub.KeyAccepted"/>); keys no hub trusts any
/// more are then deleted (<see cref="ServerSigningKey.Retire"/>).
/// </summary>
internal sealed partial class KeyRotation(
    IServiceScopeFactory scopes, HubDirectory directory, HubLink link, ServerSigningKey keys, IOptions<MqttOptions> options,
    TimeProvider time, ILogger<KeyRotation> logger) : BackgroundService
{
    private readonly RequestQueue requests = new();

    public void Request(Guid hubId) => requests.Request(hubId);

    /// <summary>Makes a new current key (new pairings pin it) and marks every paired hub to receive it; returns its kid.</summary>
    public async Task<string> RotateAsync(string actor, CancellationToken ct)
    {
        // First: a hub paired before keys were tracked pinned the key about to be retired, which must be on record.
        await MarkHubsAsync(actor, ct);
        var kid = keys.Rotate();
        LogRotated(logger, kid);
        await MarkHubsAsync(actor, ct);
        return kid;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // A rotation made while the server was stopped, or one a hub has not confirmed yet. Sent once the link is up: a
            // hub that stayed online across the restart reports nothing new, so nothing else would send it.
            var pending = await MarkHubsAsync("server", stoppingToken);
            await link.Connected.WaitAsync(stoppingToken);
            pending.ForEach(Request);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogSweepFailed(logger, e.Message);
        }

        await requests.RunAsync(SendAsync, (hubId, e) => LogFailed(logger, hubId, e.Message), stoppingToken);
    }

    /// <summary>One write: every hub not on the current key is marked to receive it. Returns the hubs with a rotation pending.</summary>
    private async Task<List<Guid>> MarkHubsAsync(string actor, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditTrail>();
        var current = keys.KeyId;
        return await db.WriteAsync(audit, async c =>
        {
            var pending = new List<Guid>();
            foreach (var hub in await db.Hubs.ToListAsync(c))
            {
                hub.AdoptUntrackedKey(current);
                if (hub.RotateTo(current) && hub.PendingKid is { } kid)
                {
                    await audit.AppendAsync(hub.HomeId, AuditTypes.HubKeyRotationStarted, actor, new { hubId = hub.Id, kid, trustedKid = hub.TrustedKid }, c);
                }

                if (hub.PendingKid is not null)
                {
                    pending.Add(hub.Id);
                }
            }

            return pending;
        }, ct);
    }

    private async Task SendAsync(Guid hubId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        var hub = await db.Hubs.AsNoTracking().SingleOrDefaultAsync(h => h.Id == hubId, ct);
        if (hub is not { PendingKid: { } kid, Online: true } || !link.IsConnected)
        {
            return; // nothing to send, or sent when the hub reports online
        }

        if (keys.PublicSpkiOf(kid) is not { } spki)
        {
            LogKeyMissing(logger, hub.Id, kid);
            return;
        }

        var args = new RotateKeyArgs(kid, spki).ToArgs();
        var lockId = await db.FrontDoorIdAsync(hub.HomeId, ct);
        // Signed with the key the hub trusts by this server's record. A hub that stored a rotation whose confirmation was
        // lost (a crash, a timeout) trusts a later key already and refuses that one as unknown: then it is tried with each
        // other key this server holds. The hub accepts only one it trusts now, so no key but the server's own can pass.
        foreach (var signingKid in keys.Kids.Where(k => k != hub.TrustedKid).Prepend(hub.TrustedKid))
        {
            if (keys.SignerFor(signingKid, time) is not { } signer)
            {
                continue;
            }

            var jti = Guid.NewGuid().ToString("N");
            var jws = signer.Sign(hub.Id, lockId, CommandNames.RotateKey, args, options.Value.CommandLifetime, jti);
            var reply = await link.RequestAsync(hub.Id, jti, jws, options.Value.CommandTimeout, ct);
            if (reply.Ok)
            {
                await AcceptedAsync(scope.ServiceProvider, hub.Id, kid, ct);
                return;
            }

            if (reply.RefusalCode != ProtocolErrors.UnknownKid)
            {
                // Sent again when the hub next comes online (and at every start).
                LogNotAccepted(logger, hub.Id, kid, reply.RefusalCode ?? ProtocolErrors.Unknown);
                return;
            }
        }

        LogNoKeyTrusted(logger, hub.Id);
    }

    private async Task AcceptedAsync(IServiceProvider services, Guid hubId, string kid, CancellationToken ct)
    {
        var db = services.GetRequiredService<ThresholdDbContext>();
        var audit = services.GetRequiredService<AuditTrail>();
        var (homeId, anyPending, trusted) = await db.WriteAsync(audit, async c =>
        {
            var hub = await db.Hubs.SingleAsync(h => h.Id == hubId, c);
            var previous = hub.TrustedKid;
            if (hub.KeyAccepted(kid))
            {
                await audit.AppendAsync(hub.HomeId, AuditTypes.HubKeyRotated, "hub:" + hub.Id, new { hubId = hub.Id, kid, previousKid = previous }, c);
            }

            var others = await db.Hubs.AsNoTracking().Where(h => h.Id != hubId).Select(h => new { h.TrustedKid, h.PendingKid }).ToListAsync(c);
            return (hub.HomeId, hub.PendingKid is not null || others.Any(h => h.PendingKid is not null),
                others.Select(h => h.TrustedKid).Append(hub.TrustedKid).ToHashSet(StringComparer.Ordinal));
        }, ct);
        directory.Forget(homeId);
        LogAccepted(logger, hubId, kid);
        // Only once no hub has a rotation pending: until it confirms, it may trust any key this server made for it.
        if (!anyPending)
        {
            keys.Retire(trusted);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "New command-signing key {Kid}; every paired hub is sent it")]
    private static partial void LogRotated(ILogger logger, string kid);

    [LoggerMessage(Level = LogLevel.Information, Message = "Hub {HubId} trusts command key {Kid} now")]
    private static partial void LogAccepted(ILogger logger, Guid hubId, string kid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hub {HubId} did not accept command key {Kid}: {Error}; sent again when it reports online")]
    private static partial void LogNotAccepted(ILogger logger, Guid hubId, string kid, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Hub {HubId} is to receive command key {Kid}, which this server no longer holds")]
    private static partial void LogKeyMissing(ILogger logger, Guid hubId, string kid);

    [LoggerMessage(Level = LogLevel.Error, Message = "Hub {HubId} trusts none of this server's command keys; it must be paired again")]
    private static partial void LogNoKeyTrusted(ILogger logger, Guid hubId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not look for hubs still to receive the current command key: {Error}")]
    private static partial void LogSweepFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key rotation for hub {HubId} failed: {Error}; retried when the hub reports online")]
    private static partial void LogFailed(ILogger logger, Guid hubId, string error);
}

/// <summary>
/// When a hub must be sent <c>rotate_key</c>: after a committed write that marked it (<see cref="Hub.RotateTo"/>) or that
/// recorded it coming (back) online while a rotation is pending. Read from the write's tracked changes
/// (<see cref="IWriteConsequence"/>), so a hub offline during the rotation gets it when it is back.
/// </summary>
internal sealed class KeyRotationChanges(Action<Guid> request) : IWriteConsequence
{
    public ValueTask<Action?> StageAsync(ThresholdDbContext db, CancellationToken ct)
    {
        var hubs = db.ChangeTracker.Entries<Hub>()
            .Where(e => e.State == EntityState.Modified && e.Entity.PendingKid is not null
                && (e.Property(h => h.PendingKid).IsModified || e.Property(h => h.Online) is { IsModified: true, CurrentValue: true }))
            .Select(e => e.Entity.Id)
            .ToList();
        return ValueTask.FromResult<Action?>(hubs.Count == 0 ? null : () => hubs.ForEach(request));
    }
}

internal static class KeyRotationSetup
{
    public static IServiceCollection AddKeyRotation(this IServiceCollection services) => services
        .AddSingleton<KeyRotation>()
        .AddHostedService(sp => sp.GetRequiredService<KeyRotation>())
        .AddSingleton<IWriteConsequence>(sp => new KeyRotationChanges(sp.GetRequiredService<KeyRotation>().Request));
}
