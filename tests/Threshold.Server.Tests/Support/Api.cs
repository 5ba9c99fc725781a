using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Threshold.Server.Carriers;
using Threshold.Server.Data;

namespace Threshold.Server.Tests.Support;

/// <summary>Drives the public API the way a resident, a carrier and a courier would.</summary>
public static class Api
{
    public const double HomeLat = 52.520008;
    public const double HomeLon = 13.404954;

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts a problem+json answer with this status and code; returns the problem.</summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {status}/{code}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        return problem;
    }

    public static async Task<(Guid Id, string Token)> ResidentAsync(this ServerHost host, string? email = null)
    {
        email ??= $"r{Guid.NewGuid():N}@example.test";
        var client = host.Client();
        var created = await (await client.PostAsJsonAsync("/api/v1/auth/register", new { email, password = Password, name = "Resident" }))
            .JsonAsync(HttpStatusCode.Created);
        return (created.GetProperty("id").GetGuid(), await host.LoginAsync(email, Password));
    }

    public const string Password = "correct horse battery staple";

    public static async Task<string> LoginAsync(this ServerHost host, string email, string password)
    {
        var login = await (await host.Client().PostAsJsonAsync("/api/v1/auth/login", new { email, password })).JsonAsync(HttpStatusCode.OK);
        return login.GetProperty("accessToken").GetString()!;
    }

    public static async Task<(Guid HomeId, Guid LockId)> HomeAsync(this ServerHost host, string token, string timeZone = "Europe/Berlin")
    {
        var home = await (await host.Client(token).PostAsJsonAsync("/api/v1/homes",
            new { name = "Home", timeZone, latitude = HomeLat, longitude = HomeLon })).JsonAsync(HttpStatusCode.Created);
        return (home.GetProperty("id").GetGuid(), home.GetProperty("lockId").GetGuid());
    }

    /// <summary>Registers a carrier the way the operator command does, returning its one-time key.</summary>
    public static async Task<(Guid Id, string Key)> CarrierAsync(this ServerHost host, string name = "Parcel Co")
    {
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        var (carrier, key) = Carrier.Create(name, host.Clock.GetUtcNow());
        db.Carriers.Add(carrier);
        await db.SaveChangesAsync();
        return (carrier.Id, key);
    }

    public static async Task<(Guid Id, string Token)> CourierAsync(this ServerHost host, string carrierKey)
    {
        var email = $"c{Guid.NewGuid():N}@example.test";
        var created = await (await host.Client(carrierKey).PostAsJsonAsync("/api/v1/carrier/couriers", new { email, password = Password, name = "Courier" }))
            .JsonAsync(HttpStatusCode.Created);
        return (created.GetProperty("id").GetGuid(), await host.LoginAsync(email, Password));
    }

    public static object EveryDayPolicy(bool cameraRequired = true) => new
    {
        days = new[] { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" },
        from = "00:00",
        to = "23:59",
        entryMethod = "remote",
        cameraRequired,
    };

    public static async Task<string> EnrolAsync(this ServerHost host, string ownerToken, Guid homeId, Guid carrierId, object? policy = null)
    {
        var enrolment = await (await host.Client(ownerToken).PostAsJsonAsync($"/api/v1/homes/{homeId}/carriers",
            new { carrierId, policy = policy ?? EveryDayPolicy() })).JsonAsync(HttpStatusCode.Created);
        return enrolment.GetProperty("homeAccessId").GetString()!;
    }

    public static async Task<Guid> DeliveryAsync(this ServerHost host, string carrierKey, string homeAccessId, Guid? courierId,
        TimeSpan? startIn = null, TimeSpan? length = null, string barcode = "PKG-1")
    {
        var start = host.Clock.GetUtcNow() + (startIn ?? TimeSpan.FromMinutes(-5));
        var end = start + (length ?? TimeSpan.FromHours(2));
        var delivery = await (await host.Client(carrierKey).PostAsJsonAsync("/api/v1/deliveries", new
        {
            homeAccessId,
            externalRef = "ext-" + Guid.NewGuid().ToString("N"),
            packages = new[] { barcode, "PKG-2" },
            window = new { start = start.ToString("O"), end = end.ToString("O") },
        })).JsonAsync(HttpStatusCode.Created);
        var id = delivery.GetProperty("id").GetGuid();
        if (courierId is { } c)
        {
            await (await host.Client(carrierKey).PutAsJsonAsync($"/api/v1/deliveries/{id}/courier", new { courierId = c })).JsonAsync(HttpStatusCode.OK);
        }

        return id;
    }

    public static object AtTheDoor(string barcode = "PKG-1") =>
        new { latitude = HomeLat + 0.0001, longitude = HomeLon, accuracy = 10.0, packageBarcode = barcode };

    public static Task<HttpResponseMessage> ArriveAsync(this ServerHost host, string courierToken, Guid deliveryId, object? body = null) =>
        host.Client(courierToken).PostAsJsonAsync($"/api/v1/courier/deliveries/{deliveryId}/arrive", body ?? AtTheDoor());

    public static Task<HttpResponseMessage> UnlockAsync(this ServerHost host, string courierToken, Guid deliveryId) =>
        host.Client(courierToken).PostAsync($"/api/v1/courier/deliveries/{deliveryId}/unlock", null);
}

/// <summary>A home with an owner, a carrier enrolled, a courier and a delivery open now.</summary>
public sealed record World(
    Guid OwnerId, string OwnerToken, Guid HomeId, Guid LockId, Guid CarrierId, string CarrierKey,
    string HomeAccessId, Guid CourierId, string CourierToken, Guid DeliveryId)
{
    public static async Task<World> CreateAsync(ServerHost host, bool cameraRequired = true)
    {
        var (ownerId, ownerToken) = await host.ResidentAsync();
        var (homeId, lockId) = await host.HomeAsync(ownerToken);
        var (carrierId, key) = await host.CarrierAsync();
        var access = await host.EnrolAsync(ownerToken, homeId, carrierId, Api.EveryDayPolicy(cameraRequired));
        var (courierId, courierToken) = await host.CourierAsync(key);
        var deliveryId = await host.DeliveryAsync(key, access, courierId);
        return new World(ownerId, ownerToken, homeId, lockId, carrierId, key, access, courierId, courierToken, deliveryId);
    }
}
