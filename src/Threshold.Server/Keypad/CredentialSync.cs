using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Threshold.Protocol;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Credentials;
using Threshold.Protocol.Keys;
using Threshold.Server.Audit;
using Threshold.Server.Data;
using Threshold.Server.Homes;
using Threshold.Server.Hubs;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Keypad;

/// <summary>
/// Pushes a home's complete credential set to its hub, sealed to the hub's key inside a signed command,
/// whenever it changes and whenever the hub comes (back) online — requested by <see cref="CredentialSetChanges"/>
/// after the write that did either has committed. The set is complete and versioned, so a repeated or late sync
/// converges instead of piling up; requests for a home already queued are one sync.
/// </summary>
internal sealed partial class CredentialSync(
    IServiceScopeFactory scopes, HubDirectory hubs, HubLink link, ServerSigningKey key, IOptions<MqttOptions> options, TimeProvider time, ILogger<CredentialSync> logger)
    : BackgroundService
{
    private readonly RequestQueue requests = new();

    public void Request(Guid homeId) => requests.Request(homeId);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        requests.RunAsync(SyncAsync, (homeId, e) => LogFailed(logger, homeId, e.Message), stoppingToken);

    public async Task<string> SyncAsync(Guid homeId, CancellationToken ct)
    {
        if (await hubs.ReadAsync(homeId, ct) is not { Online: true } hub)
        {
            return ProtocolErrors.HubOffline;
        }

        // Every sync carries a new version: the set is complete, so the newest one is simply the truth,
        // and an old set replayed later is refused by the hub as stale.
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        var home = await db.WriteAsync(scope.ServiceProvider.GetRequiredService<AuditTrail>(), async c =>
        {
            var tracked = await db.Homes.SingleAsync(h => h.Id == homeId, c);
            tracked.NextCredentialVersion();
            return tracked;
        }, ct);

        var lockId = await db.FrontDoorIdAsync(homeId, ct);
        var set = await scope.ServiceProvider.GetRequiredService<CredentialSetBuilder>().BuildAsync(home, ct);
        using var sealingKey = KeyEncoding.ImportEcdhPublicSpki(hub.SealingKey);
        // Validated before sealing: a set the hub would refuse as malformed fails here, with its reason in the log.
        var args = SealedCredentialSet.Seal(sealingKey, hub.Id, set);

        if (key.SignerFor(hub.TrustedKid, time) is not { } signer)
        {
            return ProtocolErrors.UnknownKid; // the server no longer holds the key this hub trusts: it must pair again
        }

        var jti = Guid.NewGuid().ToString("N");
        var jws = signer.Sign(hub.Id, lockId, CommandNames.SyncCredentials, args.ToArgs(), options.Value.CommandLifetime, jti);
        var reply = await link.RequestAsync(hub.Id, jti, jws, options.Value.CommandTimeout, ct);
        // stale_version: the hub already holds this version (or a newer one) — nothing to do.
        var outcome = reply.RefusalCode ?? "ok";
        LogSynced(logger, homeId, home.CredentialVersion, outcome);
        return outcome;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Credential set v{Version} for home {HomeId}: {Outcome}")]
    private static partial void LogSynced(ILogger logger, Guid homeId, long version, string outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Credential sync for home {HomeId} failed: {Error}; retried when the hub reports online")]
    private static partial void LogFailed(ILogger logger, Guid homeId, string error);
}
