using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Threshold.Testing;

/// <summary>
/// A typed client for the public REST API, used the way a resident, a carrier, a courier and a guest use it: each
/// call is one request, asserts the status the API documents for success and returns what the next step needs.
/// Steps a test wants to see refused return the <see cref="HttpResponseMessage"/> instead. Requests share one
/// <see cref="HttpClient"/> (pass a tuned one, as the benches do) and carry their own bearer.
/// </summary>
public class ThresholdApi
{
    private readonly HttpClient http;
    private readonly TimeProvider time;

    /// <param name="time">"Now" for delivery windows: the server's clock when it is a fake one.</param>
    public ThresholdApi(Uri baseAddress, TimeProvider? time = null)
        : this(new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) }, time)
    {
    }

    public ThresholdApi(HttpClient http, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(http.BaseAddress, nameof(http));
        this.http = http;
        this.time = time ?? TimeProvider.System;
    }

    public Uri BaseAddress => http.BaseAddress!;

    /// <summary>A client of its own for this server, sending <paramref name="bearer"/> (a token or a carrier API key) when given.</summary>
    public HttpClient Client(string? bearer = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", bearer);
        }

        return client;
    }

    /// <summary>Registers an account and signs it in.</summary>
    public async Task<(Guid Id, string Token)> ResidentAsync(string? email = null, string name = "Resident")
    {
        email ??= $"r{Guid.NewGuid():N}@example.test";
        var created = await (await RequestAsync(HttpMethod.Post, "/api/v1/auth/register", null, new { email, password = Api.Password, name }))
            .JsonAsync(HttpStatusCode.Created);
        return (created.GetProperty("id").GetGuid(), await LoginAsync(email, Api.Password));
    }

    public async Task<string> LoginAsync(string email, string password)
    {
        var login = await (await RequestAsync(HttpMethod.Post, "/api/v1/auth/login", null, new { email, password })).JsonAsync(HttpStatusCode.OK);
        return login.GetProperty("accessToken").GetString()!;
    }

    /// <summary>Creates a home at <see cref="Api.HomeLat"/>, <see cref="Api.HomeLon"/>.</summary>
    public async Task<(Guid HomeId, Guid LockId)> HomeAsync(string token, string timeZone = "Europe/Berlin", string name = "Home")
    {
        var home = await (await RequestAsync(HttpMethod.Post, "/api/v1/homes", token, new { name, timeZone, latitude = Api.HomeLat, longitude = Api.HomeLon }))
            .JsonAsync(HttpStatusCode.Created);
        return (home.GetProperty("id").GetGuid(), home.GetProperty("lockId").GetGuid());
    }

    /// <summary><c>GET /homes/{id}</c>: the home as a member sees it (hub online, locks, lockout).</summary>
    public async Task<JsonElement> GetHomeAsync(string token, Guid homeId) =>
        await (await RequestAsync(HttpMethod.Get, $"/api/v1/homes/{homeId}", token)).JsonAsync(HttpStatusCode.OK);

    /// <summary>A one-time code a hub pairs with.</summary>
    public async Task<string> PairingCodeAsync(string ownerToken, Guid homeId) =>
        (await PairingCodeViewAsync(ownerToken, homeId)).GetProperty("code").GetString()!;

    /// <summary>A one-time code inside the pairing string the owner hands the hub (<c>pair --pairing</c>).</summary>
    public async Task<string> PairingStringAsync(string ownerToken, Guid homeId) =>
        (await PairingCodeViewAsync(ownerToken, homeId)).GetProperty("pairingString").GetString()!;

    private async Task<JsonElement> PairingCodeViewAsync(string ownerToken, Guid homeId) =>
        await (await RequestAsync(HttpMethod.Post, $"/api/v1/homes/{homeId}/pairing-codes", ownerToken)).JsonAsync(HttpStatusCode.Created);

    /// <summary>Enrols a carrier at a home (<see cref="Api.EveryDayPolicy"/> unless given).</summary>
    public async Task<(Guid Id, string HomeAccessId)> EnrolmentAsync(string ownerToken, Guid homeId, Guid carrierId, object? policy = null)
    {
        var enrolment = await (await RequestAsync(HttpMethod.Post, $"/api/v1/homes/{homeId}/carriers", ownerToken, new { carrierId, policy = policy ?? Api.EveryDayPolicy() }))
            .JsonAsync(HttpStatusCode.Created);
        return (enrolment.GetProperty("id").GetGuid(), enrolment.GetProperty("homeAccessId").GetString()!);
    }

    /// <summary>Enrols a carrier and returns the <c>homeAccessId</c> it schedules deliveries with.</summary>
    public async Task<string> EnrolAsync(string ownerToken, Guid homeId, Guid carrierId, object? policy = null) =>
        (await EnrolmentAsync(ownerToken, homeId, carrierId, policy)).HomeAccessId;

    /// <summary>The carrier creates a courier account, which then signs in.</summary>
    public async Task<(Guid Id, string Token)> CourierAsync(string carrierKey, string name = "Courier")
    {
        var email = $"c{Guid.NewGuid():N}@example.test";
        var created = await (await RequestAsync(HttpMethod.Post, "/api/v1/carrier/couriers", carrierKey, new { email, password = Api.Password, name }))
            .JsonAsync(HttpStatusCode.Created);
        return (created.GetProperty("id").GetGuid(), await LoginAsync(email, Api.Password));
    }

    /// <summary>
    /// The carrier schedules a delivery whose window starts <paramref name="startIn"/> from now (5 minutes ago unless
    /// given) and lasts <paramref name="length"/> (2 h), then assigns <paramref name="courierId"/> when given.
    /// </summary>
    public async Task<Guid> DeliveryAsync(string carrierKey, string homeAccessId, Guid? courierId,
        TimeSpan? startIn = null, TimeSpan? length = null, string barcode = "PKG-1")
    {
        var start = time.GetUtcNow() + (startIn ?? TimeSpan.FromMinutes(-5));
        var end = start + (length ?? TimeSpan.FromHours(2));
        var delivery = await (await RequestAsync(HttpMethod.Post, "/api/v1/deliveries", carrierKey, new
        {
            homeAccessId,
            externalRef = "ext-" + Guid.NewGuid().ToString("N"),
            packages = new[] { barcode, "PKG-2" },
            window = new { start = start.ToString("O"), end = end.ToString("O") },
        })).JsonAsync(HttpStatusCode.Created);
        var id = delivery.GetProperty("id").GetGuid();
        if (courierId is { } c)
        {
            await (await RequestAsync(HttpMethod.Put, $"/api/v1/deliveries/{id}/courier", carrierKey, new { courierId = c })).JsonAsync(HttpStatusCode.OK);
        }

        return id;
    }

    /// <summary>The delivery's status as its carrier reads it.</summary>
    public async Task<string?> DeliveryStatusAsync(string carrierKey, Guid deliveryId) =>
        (await (await RequestAsync(HttpMethod.Get, $"/api/v1/deliveries/{deliveryId}", carrierKey)).JsonAsync(HttpStatusCode.OK)).GetProperty("status").GetString();

    /// <summary>The delivery's status as its courier reads it.</summary>
    public async Task<string?> CourierStatusAsync(string courierToken, Guid deliveryId) =>
        (await (await RequestAsync(HttpMethod.Get, $"/api/v1/courier/deliveries/{deliveryId}", courierToken)).JsonAsync(HttpStatusCode.OK)).GetProperty("status").GetString();

    /// <summary>The courier arrives (<see cref="Api.AtTheDoor"/> unless another body is given).</summary>
    public Task<HttpResponseMessage> ArriveAsync(string courierToken, Guid deliveryId, object? body = null) =>
        RequestAsync(HttpMethod.Post, $"/api/v1/courier/deliveries/{deliveryId}/arrive", courierToken, body ?? Api.AtTheDoor());

    public Task<HttpResponseMessage> UnlockAsync(string courierToken, Guid deliveryId) =>
        RequestAsync(HttpMethod.Post, $"/api/v1/courier/deliveries/{deliveryId}/unlock", courierToken);

    public Task<HttpResponseMessage> LockAsync(string courierToken, Guid deliveryId) =>
        RequestAsync(HttpMethod.Post, $"/api/v1/courier/deliveries/{deliveryId}/lock", courierToken);

    /// <summary>A registered account to invite for app access (it is nobody's member).</summary>
    public async Task<(Guid Id, string Email, string Token)> GuestAccountAsync()
    {
        var email = $"g{Guid.NewGuid():N}@example.test";
        var (id, token) = await ResidentAsync(email);
        return (id, email, token);
    }

    /// <summary>
    /// Creates a guest grant open at all times: app access for <paramref name="guestEmail"/> and/or the keypad
    /// <paramref name="code"/>. Returns the grant's id.
    /// </summary>
    public async Task<Guid> GuestGrantAsync(string ownerToken, Guid homeId, string? guestEmail, string? code = null, int? maxEntries = null, string name = "Guest")
    {
        var body = new Dictionary<string, object?> { ["name"] = name, ["kind"] = "guest", ["schedule"] = new { type = "always" }, ["maxEntries"] = maxEntries };
        if (guestEmail is not null)
        {
            body["appAccess"] = new { email = guestEmail };
        }

        if (code is not null)
        {
            body["keypad"] = new { code };
        }

        var created = await (await RequestAsync(HttpMethod.Post, $"/api/v1/homes/{homeId}/grants", ownerToken, body)).JsonAsync(HttpStatusCode.Created);
        return created.GetProperty("id").GetGuid();
    }

    /// <summary><c>POST /me/access/{grantId}/unlock</c> as the invited guest.</summary>
    public Task<HttpResponseMessage> AppUnlockAsync(string guestToken, Guid grantId) =>
        RequestAsync(HttpMethod.Post, $"/api/v1/me/access/{grantId}/unlock", guestToken);

    /// <summary>The home's grants as the owner lists them.</summary>
    public async Task<List<JsonElement>> GrantsAsync(string ownerToken, Guid homeId) =>
        (await (await RequestAsync(HttpMethod.Get, $"/api/v1/homes/{homeId}/grants", ownerToken)).JsonAsync(HttpStatusCode.OK)).EnumerateArray().ToList();

    /// <summary>One request with a JSON body (none when null), sent with <paramref name="bearer"/> when given.</summary>
    public async Task<HttpResponseMessage> RequestAsync(HttpMethod method, string path, string? bearer, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return await http.SendAsync(request);
    }
}
