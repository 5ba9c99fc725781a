using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Threshold.Domain.Access;
using Threshold.Domain.Deliveries;
using Threshold.Server.Accounts;
using Threshold.Server.Audit;
using Threshold.Server.Auth;
using Threshold.Server.Carriers;
using Threshold.Server.Data;
using Threshold.Server.Homes;

namespace Threshold.Demo.Household;

/// <summary>
/// Creates the demo household once per install — a resident, a home, a carrier with an API key, a
/// courier, an enrolment — with generated passwords, and on every start a delivery open now if the
/// last one is spent. Everything goes through the same domain types and audit chain as the API.
/// </summary>
internal sealed class DemoSeeder(ThresholdDbContext db, AuditTrail audit, UserManager<AppUser> users, TimeProvider time)
{
    private static readonly GeoPoint Location = new(52.520008, 13.404954);
    private const string Barcode = "DEMO-PKG-0001";

    public async Task<DemoFile> SeedAsync(DemoFile? existing, string serverUrl, DemoBroker broker, DemoSimulator simulator, CancellationToken ct)
    {
        if (existing is not null && await db.Homes.AnyAsync(h => h.Id == existing.HomeId, ct))
        {
            var deliveryId = await EnsureOpenDeliveryAsync(existing, ct);
            return existing with { ServerUrl = serverUrl, DeliveryId = deliveryId, Broker = broker, Simulator = simulator };
        }

        var now = time.GetUtcNow();
        var suffix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        var resident = await CreateUserAsync($"resident-{suffix}@demo.threshold.local", "Demo Resident", UserKind.Resident, null);
        var (carrier, apiKey) = Carrier.Create("Demo Parcel Co", now);
        db.Carriers.Add(carrier);
        await db.SaveChangesAsync(ct);
        var courier = await CreateUserAsync($"courier-{suffix}@demo.threshold.local", "Demo Courier", UserKind.Courier, carrier.Id);

        var home = Home.Create("Demo home", "Europe/Berlin", Location, now);
        var door = new DoorLock { Id = Guid.CreateVersion7(now), HomeId = home.Id, Name = "Front door" };
        // The demo home has no camera yet (video is its own issue), so its policy does not require one.
        var enrolment = CarrierEnrolment.Create(home.Id, carrier.Id, DeliveryHours.AnyTime, EntryMethod.Remote, cameraRequired: false, now);
        await db.WriteAsync(audit, async c =>
        {
            db.Homes.Add(home);
            db.Locks.Add(door);
            db.HomeMembers.Add(new HomeMember { HomeId = home.Id, UserId = resident.User.Id, Role = HomeRole.Owner });
            db.Enrolments.Add(enrolment);
            await audit.AppendAsync(home.Id, AuditTypes.HomeCreated, "system:demo", new { home.Name, home.TimeZone, lockId = door.Id }, c);
            await audit.AppendAsync(home.Id, AuditTypes.CarrierEnrolled, "system:demo", new { carrierId = carrier.Id, enrolmentId = enrolment.Id }, c);
            return true;
        }, ct);

        var file = new DemoFile(serverUrl, new DemoUser(resident.User.Email!, resident.Password), home.Id, door.Id,
            new DemoLocation(Location.Latitude, Location.Longitude), new DemoCarrier(carrier.Id, apiKey),
            new DemoCourier(courier.User.Id, courier.User.Email!, courier.Password), Guid.Empty, enrolment.HomeAccessId, Barcode, broker, simulator);
        return file with { DeliveryId = await EnsureOpenDeliveryAsync(file, ct) };
    }

    private async Task<Guid> EnsureOpenDeliveryAsync(DemoFile demo, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var current = await db.Deliveries.AsNoTracking().SingleOrDefaultAsync(d => d.Id == demo.DeliveryId, ct);
        if (current is { Status: DeliveryStatus.Scheduled or DeliveryStatus.Arrived } && current.WindowEnd > now.AddMinutes(30))
        {
            return current.Id;
        }

        var enrolment = await db.Enrolments.AsNoTracking().SingleAsync(e => e.HomeAccessId == demo.HomeAccessId, ct);
        var delivery = Delivery.Schedule(Guid.CreateVersion7(now), enrolment.HomeId, enrolment.CarrierId, enrolment.Id,
            "demo-" + now.ToUnixTimeSeconds(), [Barcode], now.AddMinutes(-1), now.AddHours(4), now, TimeSpan.FromHours(12));
        delivery.AssignCourier(demo.Courier.Id, now);
        await db.WriteAsync(audit, async c =>
        {
            db.Deliveries.Add(delivery);
            await audit.AppendAsync(delivery.HomeId, AuditTypes.DeliveryScheduled, "carrier:" + enrolment.CarrierId,
                new { deliveryId = delivery.Id, delivery.ExternalRef, packages = 1, windowStart = delivery.WindowStart, windowEnd = delivery.WindowEnd }, c);
            return true;
        }, ct);
        return delivery.Id;
    }

    private async Task<(AppUser User, string Password)> CreateUserAsync(string email, string name, UserKind kind, Guid? carrierId)
    {
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var user = new AppUser { Id = Guid.CreateVersion7(), UserName = email, Email = email, Name = name, Kind = kind, CarrierId = carrierId };
        var result = await users.CreateAsync(user, password);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("Could not create the demo user: " + string.Join("; ", result.Errors.Select(e => e.Code)));
        }

        return (user, password);
    }
}
