using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Threshold.Testing;

/// <summary>The simulated door as a tester's hands reach it: the simulator's HTTP control surface (bolt, door, slots, keypad).</summary>
public sealed class SimulatorControl(Uri baseUrl) : IDisposable
{
    private readonly HttpClient http = new() { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary><c>GET /state</c>: bolt, door, reachability and the programmed slots (never codes).</summary>
    public async Task<JsonElement> StateAsync() => await (await http.GetAsync("state")).JsonAsync(HttpStatusCode.OK);

    public async Task<string> BoltAsync() => (await StateAsync()).GetProperty("bolt").GetString()!;

    /// <summary>The slots as (user, enabled), in the order the lock lists them.</summary>
    public async Task<List<(int User, bool Enabled)>> SlotsAsync() =>
        (await StateAsync()).GetProperty("slots").EnumerateArray()
            .Select(s => (s.GetProperty("user").GetInt32(), s.GetProperty("enabled").GetBoolean())).ToList();

    /// <summary><c>POST /keypad</c>: types the code; true when the lock accepted it (and unlocked).</summary>
    public async Task<bool> TypeCodeAsync(string code) =>
        (await (await http.PostAsJsonAsync("keypad", new { code })).JsonAsync(HttpStatusCode.OK)).GetProperty("accepted").GetBoolean();

    /// <summary><c>POST /bolt/manual-lock</c>: someone inside turns the thumb-turn.</summary>
    public async Task ManualLockAsync() => await (await http.PostAsync("bolt/manual-lock", null)).JsonAsync(HttpStatusCode.NoContent);

    /// <summary><c>POST /door/open</c>: someone opens the door.</summary>
    public async Task OpenDoorAsync() => await (await http.PostAsync("door/open", null)).JsonAsync(HttpStatusCode.NoContent);

    /// <summary><c>POST /door/close</c>: someone closes the door.</summary>
    public async Task CloseDoorAsync() => await (await http.PostAsync("door/close", null)).JsonAsync(HttpStatusCode.NoContent);

    public void Dispose() => http.Dispose();
}
