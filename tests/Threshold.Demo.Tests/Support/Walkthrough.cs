using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Threshold.Demo.Tests.Support;

/// <summary>README.md's "A delivery with curl against the demo", step by step, reading only what demo.json says.</summary>
internal static class Walkthrough
{
    /// <summary>Arrive, unlock, the door opens and closes, lock: asserts every answer and that the delivery ends completed.</summary>
    public static async Task DeliverAsync(JsonElement demo)
    {
        using var api = new HttpClient { BaseAddress = new Uri(demo.GetProperty("serverUrl").GetString()!) };
        using var control = new HttpClient { BaseAddress = new Uri(demo.GetProperty("simulator").GetProperty("control").GetString() + "/") };
        await WaitUntilHubOnlineAsync(api, demo);
        var courier = await LoginAsync(api, demo.GetProperty("courier"));
        var delivery = $"/api/v1/courier/deliveries/{demo.GetProperty("deliveryId").GetGuid()}";
        var location = demo.GetProperty("homeLocation");

        await ExpectAsync(HttpStatusCode.OK, await api.SendAsync(Post($"{delivery}/arrive", courier, new
        {
            latitude = location.GetProperty("latitude").GetDouble(),
            longitude = location.GetProperty("longitude").GetDouble(),
            accuracy = 8,
            packageBarcode = demo.GetProperty("packageBarcode").GetString(),
        })));
        await ExpectAsync(HttpStatusCode.OK, await api.SendAsync(Post($"{delivery}/unlock", courier)));
        Assert.Equal("unlocked", (await control.GetFromJsonAsync<JsonElement>("state")).GetProperty("bolt").GetString());

        await ExpectAsync(HttpStatusCode.NoContent, await control.PostAsync("door/open", null));
        await WaitUntilAsync(async () => await StatusAsync(api, delivery, courier) == "door_opened", "door_opened");
        await ExpectAsync(HttpStatusCode.NoContent, await control.PostAsync("door/close", null));
        await WaitUntilAsync(async () => await StatusAsync(api, delivery, courier) == "door_closed", "door_closed");
        await ExpectAsync(HttpStatusCode.OK, await api.SendAsync(Post($"{delivery}/lock", courier)));

        await WaitUntilAsync(async () => await StatusAsync(api, delivery, courier) == "completed", "completed");
        Assert.Equal("locked", (await control.GetFromJsonAsync<JsonElement>("state")).GetProperty("bolt").GetString());
    }

    /// <summary>Signs in with an account from demo.json (<c>resident</c> or <c>courier</c>); asserts the password works.</summary>
    public static async Task<string> LoginAsync(HttpClient api, JsonElement account)
    {
        var response = await api.PostAsJsonAsync("/api/v1/auth/login",
            new { email = account.GetProperty("email").GetString(), password = account.GetProperty("password").GetString() });
        return (await ExpectAsync(HttpStatusCode.OK, response)).GetProperty("accessToken").GetString()!;
    }

    /// <summary>The hub connects after the demo has started (as after any restart); the door needs it.</summary>
    public static async Task WaitUntilHubOnlineAsync(HttpClient api, JsonElement demo)
    {
        var resident = await LoginAsync(api, demo.GetProperty("resident"));
        var home = $"/api/v1/homes/{demo.GetProperty("homeId").GetGuid()}";
        await WaitUntilAsync(async () =>
            (await ExpectAsync(HttpStatusCode.OK, await api.SendAsync(Get(home, resident)))).GetProperty("hubOnline").GetBoolean(), "hub online");
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(15), $"Timed out waiting for: {what}");
            await Task.Delay(25);
        }
    }

    private static async Task<string?> StatusAsync(HttpClient api, string delivery, string token) =>
        (await ExpectAsync(HttpStatusCode.OK, await api.SendAsync(Get(delivery, token)))).GetProperty("status").GetString();

    private static async Task<JsonElement> ExpectAsync(HttpStatusCode expected, HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {expected}, got {(int)response.StatusCode} from {response.RequestMessage?.RequestUri}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static HttpRequestMessage Get(string path, string token) => new(HttpMethod.Get, path) { Headers = { Authorization = new("Bearer", token) } };

    private static HttpRequestMessage Post(string path, string token, object? body = null) => new(HttpMethod.Post, path)
    {
        Headers = { Authorization = new("Bearer", token) },
        Content = body is null ? null : JsonContent.Create(body),
    };
}
