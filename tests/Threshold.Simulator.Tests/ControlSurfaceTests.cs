using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Threshold.Simulator.Tests.Support;
using Xunit.Abstractions;

namespace Threshold.Simulator.Tests;

public sealed class ControlSurfaceTests(ITestOutputHelper output)
{
    private static readonly string[] Actions = ["door/open", "door/close", "jam", "unjam", "offline", "online", "bolt/manual-unlock", "bolt/manual-lock"];

    [Fact]
    public async Task GetState_Fresh_ReturnsExactShape()
    {
        await using var h = await StartAsync();
        using var http = Client(h);

        using var response = await http.GetAsync("state");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal("""{"bolt":"locked","door":"closed","online":true,"slots":[]}""", body);
    }

    [Fact]
    public async Task GetState_ProgrammedSlots_ListsSlotsButNeverPins()
    {
        await using var h = await StartAsync();
        await h.AddPinAsync(7, "86420975");
        await h.AddPinAsync(2, "1357");
        var before = h.Home.InboundHandled;
        await h.SetAsync("""{"user_status":{"user":7,"status":"disabled"}}""");
        await h.DrainAsync(before, 1);
        using var http = Client(h);

        var body = await http.GetStringAsync("state");

        Assert.Equal("""{"bolt":"locked","door":"closed","online":true,"slots":[{"user":2,"enabled":true},{"user":7,"enabled":false}]}""", body);
        Assert.DoesNotContain("86420975", body, StringComparison.Ordinal);
        Assert.DoesNotContain("1357", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostActions_EachAction_Returns204AndChangesState()
    {
        await using var h = await StartAsync();
        using var http = Client(h);

        foreach (var action in Actions)
        {
            using var response = await http.PostAsync(action, null);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            if (action == "door/open")
            {
                await h.Observer.WaitForJsonAsync(Harness.Contact, j => !j.GetProperty("contact").GetBoolean());
            }
        }

        var state = await http.GetFromJsonAsync<JsonElement>("state");
        Assert.Equal("locked", state.GetProperty("bolt").GetString());
        Assert.Equal("closed", state.GetProperty("door").GetString());
        Assert.True(state.GetProperty("online").GetBoolean());
        await h.Observer.WaitForJsonAsync(Harness.Lock, j => Harness.Action(j) == "manual_unlock");
    }

    [Fact]
    public async Task PostJamAndOffline_StateReflectsThem()
    {
        await using var h = await StartAsync();
        using var http = Client(h);

        (await http.PostAsync("jam", null)).Dispose();
        (await http.PostAsync("offline", null)).Dispose();
        (await http.PostAsync("door/open", null)).Dispose();

        var body = await http.GetStringAsync("state");
        Assert.Equal("""{"bolt":"jammed","door":"open","online":false,"slots":[]}""", body);
    }

    [Fact]
    public async Task PostManualUnlock_Jammed_Returns409ProblemWithCode()
    {
        await using var h = await StartAsync();
        using var http = Client(h);
        (await http.PostAsync("jam", null)).Dispose();

        using var response = await http.PostAsync("bolt/manual-unlock", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("bolt_jammed", problem.GetProperty("code").GetString());
        Assert.Equal(409, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task PostKeypad_RightAndWrongCode_ReportsAcceptedAndPublishes()
    {
        await using var h = await StartAsync();
        await h.AddPinAsync(1, "24680");
        using var http = Client(h);
        var from = h.Observer.Mark;

        using var wrong = await http.PostAsync("keypad", Json("""{"code":"11111"}"""));
        using var right = await http.PostAsync("keypad", Json("""{"code":"24680"}"""));

        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        Assert.Equal("""{"accepted":false}""", await wrong.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal("""{"accepted":true}""", await right.Content.ReadAsStringAsync());
        await h.Observer.WaitForJsonAsync(Harness.Lock, j => Harness.Action(j) == "unlock_failure_invalid_pin_or_id", from);
        await h.Observer.WaitForJsonAsync(Harness.Lock, j => Harness.Action(j) == "unlock" && j.GetProperty("action_user").GetInt32() == 1, from);
        Assert.Equal(BoltPosition.Unlocked, h.Home.GetState().Bolt);
    }

    [Theory]
    [InlineData("", "invalid_body")]
    [InlineData("not json", "invalid_body")]
    [InlineData("[\"1234\"]", "invalid_body")]
    [InlineData("{}", "invalid_code")]
    [InlineData("{\"code\":1234}", "invalid_code")]
    [InlineData("{\"code\":\"12a4\"}", "invalid_code")]
    [InlineData("{\"code\":\"\"}", "invalid_code")]
    [InlineData("{\"code\":\"12345678901234567\"}", "invalid_code")]
    public async Task PostKeypad_BadBody_Returns400ProblemWithCode(string body, string code)
    {
        await using var h = await StartAsync();
        using var http = Client(h);

        using var response = await http.PostAsync("keypad", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal(BoltPosition.Locked, h.Home.GetState().Bolt);
    }

    [Fact]
    public async Task PostKeypad_HugeBody_Returns400()
    {
        await using var h = await StartAsync();
        using var http = Client(h);

        using var response = await http.PostAsync("keypad", Json("{\"code\":\"" + new string('1', 100_000) + "\"}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task UnknownRouteOrMethod_Returns404Or405()
    {
        await using var h = await StartAsync();
        using var http = Client(h);

        using var missing = await http.PostAsync("door/kick", null);
        using var wrongMethod = await http.GetAsync("jam");

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
    }

    [Fact]
    public async Task ControlUrl_WithPath_RoutesUnderThePath()
    {
        var broker = await LoopbackBroker.StartAsync();
        await using var _ = broker;
        await using var home = await SimulatedHome.StartAsync(new SimulatorOptions { MqttPort = broker.Port, ControlUrl = new Uri("http://127.0.0.1:0/sim") });
        using var http = new HttpClient { BaseAddress = home.ControlUrl };

        var body = await http.GetStringAsync("state");

        Assert.EndsWith("/sim/", home.ControlUrl!.AbsoluteUri, StringComparison.Ordinal);
        Assert.Contains("\"bolt\":\"locked\"", body, StringComparison.Ordinal);
    }

    private Task<Harness> StartAsync() => Harness.StartAsync(output, port => Harness.Defaults(port, http: true));

    private static HttpClient Client(Harness h)
    {
        Assert.NotNull(h.Home.ControlUrl);
        Assert.NotEqual(0, h.Home.ControlUrl!.Port);
        return new HttpClient { BaseAddress = h.Home.ControlUrl };
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
