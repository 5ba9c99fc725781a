using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Threshold.Server.Audit;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Infrastructure;
using Threshold.Server.Sessions;

namespace Threshold.Server.Notifications;

internal sealed record SubscriptionKeys(string? P256dh, string? Auth);

/// <summary>A browser's <c>PushSubscription.toJSON()</c>: endpoint and keys.</summary>
internal sealed record SubscribeRequest(string? Endpoint, SubscriptionKeys? Keys);

internal sealed record SubscriptionView(Guid Id, string Origin, DateTimeOffset CreatedAt);

internal sealed record PreferencesBody(bool? Deliveries, bool? Entries, bool? Alarms);

internal sealed record PreferencesView(bool Deliveries, bool Entries, bool Alarms);

/// <summary>Web Push for this device: the server's VAPID key, the person's subscriptions, and what they want pushed.</summary>
internal static class PushApi
{
    public static IEndpointRouteBuilder MapPush(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/push/vapid-public-key", (VapidKeys keys) => TypedResults.Ok(new { publicKey = keys.PublicKey }))
            .WithTags("Push").AllowAnonymous();
        var me = app.MapGroup("/api/v1/me").WithTags("Push").RequireAuthorization(SessionsApi.SignedInPerson);
        me.MapPost("/push-subscriptions", Subscribe);
        me.MapGet("/push-subscriptions", List);
        me.MapDelete("/push-subscriptions/{id:guid}", Unsubscribe);
        me.MapGet("/notification-preferences", GetPreferences);
        me.MapPut("/notification-preferences", SetPreferences);
        return app;
    }

    public static async Task<Results<Created<SubscriptionView>, ProblemHttpResult>> Subscribe(
        SubscribeRequest body, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, IOptions<PushOptions> options,
        TimeProvider time, CancellationToken ct)
    {
        if (Check.First(Check.Text(body.Endpoint, "endpoint", PushSubscriptionRecord.MaxEndpointLength), Check.Required(body.Keys, "keys"),
                Check.Text(body.Keys?.P256dh, "keys.p256dh", 200), Check.Text(body.Keys?.Auth, "keys.auth", 100)) is { } invalid)
        {
            return invalid;
        }

        if (!Uri.TryCreate(body.Endpoint, UriKind.Absolute, out var endpoint) || !string.IsNullOrEmpty(endpoint.UserInfo)
            || !(endpoint.Scheme == Uri.UriSchemeHttps || (options.Value.AllowPrivateEndpoints && endpoint.Scheme == Uri.UriSchemeHttp))
            || (!options.Value.AllowPrivateEndpoints && OutboundGuard.NamesPrivateTarget(endpoint)))
        {
            return Problems.Invalid("invalid_endpoint", "'endpoint' must be the https URL of a public push service.", "endpoint");
        }

        if (!IsBrowserKey(body.Keys!.P256dh!))
        {
            return Problems.Invalid("invalid_key", "'keys.p256dh' must be a P-256 public key (uncompressed point, base64url).", "keys.p256dh");
        }

        if (!TryBase64Url(body.Keys.Auth!, out var secret) || secret.Length != 16)
        {
            return Problems.Invalid("invalid_key", "'keys.auth' must be 16 bytes, base64url.", "keys.auth");
        }

        var userId = user.UserId();
        var record = await db.WriteAsync(audit, async c =>
        {
            // One browser, one endpoint: whoever subscribes with it now gets its pushes, not whoever used it before.
            if (await db.PushSubscriptions.SingleOrDefaultAsync(s => s.Endpoint == body.Endpoint, c) is { } existing)
            {
                db.PushSubscriptions.Remove(existing);
            }

            var created = PushSubscriptionRecord.Create(userId, body.Endpoint!, body.Keys.P256dh!, body.Keys.Auth!, time.GetUtcNow());
            db.PushSubscriptions.Add(created);
            return created;
        }, ct);
        return TypedResults.Created($"/api/v1/me/push-subscriptions/{record.Id}", View(record));
    }

    public static async Task<Ok<List<SubscriptionView>>> List(ClaimsPrincipal user, ThresholdDbContext db, CancellationToken ct)
    {
        var userId = user.UserId();
        var mine = await db.PushSubscriptions.AsNoTracking().Where(s => s.UserId == userId).ToListAsync(ct);
        return TypedResults.Ok(mine.OrderBy(s => s.CreatedAt).Select(View).ToList());
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Unsubscribe(
        Guid id, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, CancellationToken ct)
    {
        var userId = user.UserId();
        var removed = await db.WriteAsync(audit, async c =>
        {
            if (await db.PushSubscriptions.SingleOrDefaultAsync(s => s.Id == id && s.UserId == userId, c) is not { } mine)
            {
                return false;
            }

            db.PushSubscriptions.Remove(mine);
            return true;
        }, ct);
        return removed ? TypedResults.NoContent() : Problems.NotFound();
    }

    public static async Task<Ok<PreferencesView>> GetPreferences(ClaimsPrincipal user, ThresholdDbContext db, CancellationToken ct)
    {
        var userId = user.UserId();
        var p = await db.NotificationPreferences.AsNoTracking().SingleOrDefaultAsync(x => x.UserId == userId, ct) ?? new NotificationPreferences();
        return TypedResults.Ok(new PreferencesView(p.Deliveries, p.Entries, p.Alarms));
    }

    public static async Task<Ok<PreferencesView>> SetPreferences(
        PreferencesBody body, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, CancellationToken ct)
    {
        var userId = user.UserId();
        var p = await db.WriteAsync(audit, async c =>
        {
            var current = await db.NotificationPreferences.SingleOrDefaultAsync(x => x.UserId == userId, c);
            if (current is null)
            {
                current = new NotificationPreferences { UserId = userId };
                db.NotificationPreferences.Add(current);
            }

            current.Deliveries = body.Deliveries ?? current.Deliveries;
            current.Entries = body.Entries ?? current.Entries;
            current.Alarms = body.Alarms ?? current.Alarms;
            return current;
        }, ct);
        return TypedResults.Ok(new PreferencesView(p.Deliveries, p.Entries, p.Alarms));
    }

    private static SubscriptionView View(PushSubscriptionRecord s) => new(s.Id, new Uri(s.Endpoint).GetLeftPart(UriPartial.Authority), s.CreatedAt);

    private static bool IsBrowserKey(string p256dh)
    {
        if (!TryBase64Url(p256dh, out var point) || point.Length != 65 || point[0] != 0x04)
        {
            return false;
        }

        try
        {
            using var key = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = point[1..33], Y = point[33..] },
            });
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static bool TryBase64Url(string text, out byte[] bytes)
    {
        try
        {
            bytes = WebEncoders.Base64UrlDecode(text);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }
}

internal static class PushSetup
{
    public static IHostApplicationBuilder AddPush(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PushOptions>().BindConfiguration(PushOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<VapidKeys>();
        builder.Services.AddSingleton<PushNotifier>();
        builder.Services.AddSingleton<IWriteConsequence>(sp => sp.GetRequiredService<PushNotifier>());
        builder.Services.AddHostedService<PushSender>();
        return builder;
    }
}
