using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Threshold.Protocol;
using Threshold.Protocol.Keys;
using Threshold.Protocol.Pairing;
using Threshold.Protocol.Topics;
using Threshold.Server.Audit;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Infrastructure;
using Threshold.Server.Tls;

namespace Threshold.Server.Hubs;

/// <summary>
/// A new one-time code and the pairing string that carries it with the fingerprints of the server's command-signing key
/// and TLS certificate (Protocol's <see cref="PairingString"/>): what the owner hands the hub (<c>pair --pairing</c>).
/// </summary>
internal sealed record PairingCodeView(string Code, DateTimeOffset ExpiresAt, string PairingString);

internal static class PairingApi
{
    public const string RateLimit = "pairing";
    private static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(10);

    public static IEndpointRouteBuilder MapPairing(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/homes/{homeId:guid}/pairing-codes", CreateCode).WithTags("Hubs").RequireAuthorization(Policies.Resident).RequireHomeOwner();
        app.MapPost(PairingEndpoint.Path, Pair).WithTags("Hubs").AllowAnonymous().RequireRateLimiting(RateLimit);
        return app;
    }

    public static async Task<Results<Created<PairingCodeView>, ProblemHttpResult>> CreateCode(
        Guid homeId, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, ServerSigningKey serverKey, ServerCertificate certificate,
        TimeProvider time, CancellationToken ct)
    {
        var code = Secrets.PairingCode();
        var expires = time.GetUtcNow() + CodeLifetime;
        await db.WriteAsync(audit, async c =>
        {
            db.PairingCodes.Add(new PairingCode { Id = Guid.CreateVersion7(), HomeId = homeId, CodeHash = Secrets.Hash(Secrets.NormalisePairingCode(code)), ExpiresAt = expires });
            await audit.AppendAsync(homeId, AuditTypes.PairingCodeCreated, "user:" + user.UserId(), new { expiresAt = expires }, c);
            return true;
        }, ct);
        var pairing = PairingString.Format(code, Fingerprint.OfSpki(serverKey.PublicSpki), certificate.Fingerprint);
        return TypedResults.Created((string?)null, new PairingCodeView(code, expires, pairing));
    }

    public static async Task<Results<Ok<PairingResponse>, ProblemHttpResult>> Pair(
        PairingRequest body, HttpContext http, ThresholdDbContext db, AuditTrail audit, ServerSigningKey serverKey, IOptions<MqttOptions> mqtt,
        HubBroker broker, DynSecProvisioner provisioner, HubDirectory directory, TimeProvider time, CancellationToken ct)
    {
        if (Check.First(
                Check.Text(body.Code, "code", 32),
                Check.Text(body.Name, "name", 100),
                Check.Text(body.SigningKey, "signingKey", 512),
                Check.Text(body.SealingKey, "sealingKey", 512)) is { } invalid)
        {
            return invalid;
        }

        if (!IsP256(body.SigningKey!, signing: true))
        {
            return Problems.Invalid(PairingEndpoint.InvalidKey, "'signingKey' must be a P-256 public key (SPKI, base64).", "signingKey");
        }

        if (!IsP256(body.SealingKey!, signing: false))
        {
            return Problems.Invalid(PairingEndpoint.InvalidKey, "'sealingKey' must be a P-256 public key (SPKI, base64).", "sealingKey");
        }

        var hash = Secrets.Hash(Secrets.NormalisePairingCode(body.Code!));
        var password = Secrets.Password();
        var now = time.GetUtcNow();
        var retired = new List<Guid>();
        var paired = await db.WriteAsync<(Hub Hub, Guid HomeId, string TimeZone)?>(audit, async c =>
        {
            var code = await db.PairingCodes.SingleOrDefaultAsync(p => p.CodeHash == hash, c);
            if (code is null || code.UsedAt is not null || code.ExpiresAt <= now)
            {
                return null;
            }

            code.UsedAt = now;
            // One hub per home: pairing again (new hardware, lost database) retires the old identity.
            var previous = await db.Hubs.Where(h => h.HomeId == code.HomeId).ToListAsync(c);
            db.Hubs.RemoveRange(previous);
            retired.AddRange(previous.Select(p => p.Id));
            var hub = Hub.Pair(code.HomeId, body.Name!, body.SigningKey!, body.SealingKey!, Secrets.Hash(password), serverKey.KeyId, now);
            db.Hubs.Add(hub);
            await audit.AppendAsync(code.HomeId, AuditTypes.HubPaired, "hub:" + hub.Id,
                new { hubId = hub.Id, hub.Name, signingKid = KeyEncoding.KeyId(hub.SigningKey), replaced = previous.Select(p => p.Id) }, c);
            return (hub, code.HomeId, await db.Homes.AsNoTracking().Where(h => h.Id == code.HomeId).Select(h => h.TimeZone).SingleAsync(c));
        }, ct);

        if (paired is not var (newHub, homeId, timeZone))
        {
            // Unknown, used and expired codes look the same to a guesser.
            return Problems.Create(StatusCodes.Status404NotFound, PairingEndpoint.InvalidCode, "This pairing code is not valid.");
        }

        directory.Forget(homeId);
        await broker.DisconnectRetiredAsync(homeId, newHub.Id);
        try
        {
            await provisioner.ProvisionHubAsync(newHub.Id, password, retired, ct);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // The code is spent; the owner makes a new one once the broker is reachable.
            return Problems.Create(StatusCodes.Status503ServiceUnavailable, PairingEndpoint.BrokerUnavailable, "The MQTT broker could not create the hub's account; pair again with a new code.");
        }

        var locks = await db.Locks.AsNoTracking().Where(l => l.HomeId == homeId).Select(l => new PairedLock(l.Id, l.Name)).ToListAsync(ct);
        return TypedResults.Ok(new PairingResponse(newHub.Id, homeId, locks, timeZone, ServerSigningKey.Issuer,
            [new ServerKey(serverKey.KeyId, serverKey.PublicSpki)],
            BrokerAccount(mqtt.Value, broker, http.Request, newHub.MqttUsername, password, HubTopics.Prefix(newHub.Id))));
    }

    /// <summary>
    /// Where the hub signs in: with TLS the broker's TLS port and certificate fingerprint, at the configured public host
    /// or else the host the hub reached this API by (it reached the server there); without TLS the plain port.
    /// </summary>
    private static PairingMqtt BrokerAccount(MqttOptions m, HubBroker broker, HttpRequest request, string username, string password, string prefix)
    {
        if (broker.TlsPort is { } tlsPort && broker.CertificateFingerprint is { } fingerprint)
        {
            var host = m.PublicHost ?? (request.Host.HasValue ? request.Host.Host.Trim('[', ']') : m.Host);
            return new PairingMqtt(host, tlsPort, username, password, prefix, fingerprint);
        }

        return new PairingMqtt(m.PublicHost ?? m.Host, broker.Port, username, password, prefix);
    }

    private static bool IsP256(string spki, bool signing)
    {
        try
        {
            using IDisposable key = signing ? KeyEncoding.ImportEcdsaPublicSpki(spki) : KeyEncoding.ImportEcdhPublicSpki(spki);
            return true;
        }
        catch (ProtocolException)
        {
            return false;
        }
    }
}
