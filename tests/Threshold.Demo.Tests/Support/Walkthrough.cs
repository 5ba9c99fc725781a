using System.Net;
using System.Text.Json;

namespace Threshold.Demo.Tests.Support;

/// <summary>README.md's "A delivery with curl against the demo", step by step, reading only what demo.json says.</summary>
internal static class Walkthrough
{
    /// <summary>Arrive, unlock, the door opens and closes, lock: asserts every answer and that the delivery ends completed.</summary>
    public static async Task DeliverAsync(JsonElement demo)
    {
        var api = new ThresholdApi(new Uri(demo.GetProperty("serverUrl").GetString()!));
        using var control = new SimulatorControl(new Uri(demo.GetProperty("simulator").GetProperty("control").GetString() + "/"));
        await WaitUntilHubOnlineAsync(api, demo);
        var courier = await LoginAsync(api, demo.GetProperty("courier"));
        var delivery = demo.GetProperty("deliveryId").GetGuid();
        var location = demo.GetProperty("homeLocation");

        await (await api.ArriveAsync(courier, delivery, new
        {
            latitude = location.GetProperty("latitude").GetDouble(),
            longitude = location.GetProperty("longitude").GetDouble(),
            accuracy = 8,
            packageBarcode = demo.GetProperty("packageBarcode").GetString(),
        })).JsonAsync(HttpStatusCode.OK);
        await (await api.UnlockAsync(courier, delivery)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("unlocked", await control.BoltAsync());

        await control.OpenDoorAsync();
        await Eventually.UntilAsync(async () => await api.CourierStatusAsync(courier, delivery) == "door_opened", "door_opened");
        await control.CloseDoorAsync();
        await Eventually.UntilAsync(async () => await api.CourierStatusAsync(courier, delivery) == "door_closed", "door_closed");
        await (await api.LockAsync(courier, delivery)).JsonAsync(HttpStatusCode.OK);

        await Eventually.UntilAsync(async () => await api.CourierStatusAsync(courier, delivery) == "completed", "completed");
        Assert.Equal("locked", await control.BoltAsync());
    }

    /// <summary>Signs in with an account from demo.json (<c>resident</c> or <c>courier</c>); asserts the password works.</summary>
    public static Task<string> LoginAsync(ThresholdApi api, JsonElement account) =>
        api.LoginAsync(account.GetProperty("email").GetString()!, account.GetProperty("password").GetString()!);

    /// <summary>The hub connects after the demo has started (as after any restart); the door needs it.</summary>
    public static async Task WaitUntilHubOnlineAsync(ThresholdApi api, JsonElement demo)
    {
        var resident = await LoginAsync(api, demo.GetProperty("resident"));
        var home = demo.GetProperty("homeId").GetGuid();
        await Eventually.UntilAsync(async () => (await api.GetHomeAsync(resident, home)).GetProperty("hubOnline").GetBoolean(), "hub online");
    }
}
