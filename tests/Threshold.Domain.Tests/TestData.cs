using Threshold.Domain.Access;
using Threshold.Domain.Deliveries;

namespace Threshold.Domain.Tests;

internal static class TestData
{
    public static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    public static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    public static readonly GeoPoint HomeLocation = new(52.5200, 13.4050);

    // ~11 m north of the home: well inside the default fence.
    public static readonly GeoPoint AtTheDoor = new(52.5201, 13.4050);

    public static readonly GeofencePolicy Fence = new(RadiusMeters: 50, MaxAccuracyMeters: 30);

    public static readonly DateTimeOffset WindowStart = new(2026, 3, 3, 10, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset WindowEnd = WindowStart.AddHours(2);
    public static readonly DateTimeOffset InWindow = WindowStart.AddMinutes(30);
    public static readonly DateTimeOffset BeforeWindow = WindowStart.AddHours(-1);
    public static readonly TimeSpan MaxWindow = TimeSpan.FromHours(4);
    public static readonly TimeSpan ArrivalValidity = TimeSpan.FromMinutes(5);

    public static readonly Guid Courier = Guid.Parse("11111111-1111-1111-1111-111111111111");
    public static readonly Guid OtherCourier = Guid.Parse("22222222-2222-2222-2222-222222222222");
    public static readonly Guid Home = Guid.Parse("33333333-3333-3333-3333-333333333333");

    public const string Barcode = "1Z999AA10123456784";

    public static HomeConditions HomeOk(Lockout? lockout = null, bool hubOnline = true, bool cameraLive = true) =>
        new(HomeLocation, Berlin, lockout ?? Lockout.None, hubOnline, cameraLive);

    /// <summary>Wall-clock time in <paramref name="zone"/>; only for unambiguous local times.</summary>
    public static DateTimeOffset Local(TimeZoneInfo zone, int year, int month, int day, int hour, int minute, int second = 0)
    {
        var wall = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified);
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(wall, zone), TimeSpan.Zero);
    }

    public static Delivery NewDelivery(params string[] packages) =>
        Delivery.Schedule(
            Guid.NewGuid(), Home, Guid.NewGuid(), Guid.NewGuid(), "ORDER-1",
            packages.Length == 0 ? [Barcode, "PKG-2"] : packages,
            WindowStart, WindowEnd, BeforeWindow, MaxWindow);

    public static Delivery Assigned()
    {
        var delivery = NewDelivery();
        delivery.AssignCourier(Courier, BeforeWindow);
        return delivery;
    }

    public static Delivery ArrivedAt(DateTimeOffset at)
    {
        var delivery = Assigned();
        delivery.RecordArrival(at);
        return delivery;
    }

    public static Delivery Unlocked()
    {
        var delivery = ArrivedAt(InWindow);
        delivery.ConsumeEntry(InWindow.AddMinutes(1));
        return delivery;
    }
}
