using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Threshold.Server.Hubs;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Grants;

/// <summary>Guest and service grants through the real HTTP pipeline (the hub behind its test seam).</summary>
public sealed class GrantsApiTests : IAsyncLifetime
{
    private ServerHost host = null!;
    private Guid homeId;
    private string owner = null!;

    public async Task InitializeAsync()
    {
        host = await ServerHost.StartAsync();
        (_, owner) = await host.ResidentAsync();
        (homeId, _) = await host.HomeAsync(owner);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    // 2026-11-24 (the fake clock's day) is a Tuesday; 10:00 UTC is 11:00 in Berlin.
    private static object TuesdayMornings => new { type = "recurring", days = new[] { "tuesday" }, from = "09:00", to = "12:00" };

    private Task<HttpResponseMessage> CreateAsync(object body, string? token = null) =>
        host.Client(token ?? owner).PostAsJsonAsync($"/api/v1/homes/{homeId}/grants", body);

    [Fact]
    public async Task Create_GeneratedCode_ShownOnceNeverListed()
    {
        var created = await (await CreateAsync(new { name = "Cleaner", kind = "service", schedule = TuesdayMornings, keypad = new { generate = true } }))
            .JsonAsync(HttpStatusCode.Created);
        var code = created.GetProperty("keypadCode").GetString()!;
        Assert.Matches("^[0-9]{6}$", code);
        Assert.Equal("pending", created.GetProperty("keypadStatus").GetString());

        var listed = await (await host.Client(owner).GetAsync($"/api/v1/homes/{homeId}/grants")).Content.ReadAsStringAsync();
        Assert.Contains("Cleaner", listed, StringComparison.Ordinal);
        Assert.DoesNotContain(code, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains(code, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("111111", "weak_code")]
    [InlineData("345678", "weak_code")]
    [InlineData("4821", "invalid_code")]
    [InlineData("48a139", "invalid_code")]
    public async Task Create_BadChosenCode_Refused(string code, string expected)
    {
        await (await CreateAsync(new { name = "Friend", kind = "guest", schedule = new { type = "always" }, keypad = new { code } }))
            .ProblemAsync(HttpStatusCode.BadRequest, expected);
    }

    [Fact]
    public async Task Create_CodeOfAnotherGrant_Collision()
    {
        await (await CreateAsync(new { name = "A", kind = "guest", schedule = new { type = "always" }, keypad = new { code = "482139" } })).JsonAsync(HttpStatusCode.Created);
        var problem = await (await CreateAsync(new { name = "B", kind = "guest", schedule = new { type = "always" }, keypad = new { code = "482139" } }))
            .ProblemAsync(HttpStatusCode.BadRequest, "code_collision");
        Assert.Equal("keypad.code", problem.GetProperty("field").GetString());
    }

    [Theory]
    [InlineData("{\"type\":\"sometimes\"}")]
    [InlineData("{\"type\":\"recurring\",\"days\":[\"funday\"],\"from\":\"09:00\",\"to\":\"10:00\"}")]
    [InlineData("{\"type\":\"recurring\",\"days\":[\"monday\"],\"from\":\"09:00\",\"to\":\"09:00\"}")]
    [InlineData("{\"type\":\"temporary\",\"from\":\"2026-11-25T10:00:00Z\",\"to\":\"2026-11-24T10:00:00Z\"}")]
    [InlineData("{\"type\":\"once\",\"from\":\"2026-11-25T10:00:00\",\"to\":\"2026-11-26T10:00:00Z\"}")]
    [InlineData("{\"type\":\"always\",\"extra\":1}")]
    [InlineData("{\"type\":\"always\",\"from\":\"2026-11-25T10:00:00Z\",\"to\":\"2026-11-26T10:00:00Z\"}")]
    [InlineData("{\"type\":\"recurring\",\"days\":[\"monday\"],\"form\":\"09:00\",\"from\":\"09:00\",\"to\":\"10:00\"}")]
    public async Task Create_BadSchedule_InvalidSchedule(string schedule)
    {
        await (await CreateAsync(new { name = "X", kind = "guest", schedule = JsonDocument.Parse(schedule).RootElement, keypad = new { generate = true } }))
            .ProblemAsync(HttpStatusCode.BadRequest, "invalid_schedule");
    }

    [Fact]
    public async Task Grants_OtherHomesResident_NotFoundEverywhere()
    {
        var created = await (await CreateAsync(new { name = "Dog walker", kind = "service", schedule = new { type = "always" }, keypad = new { generate = true } }))
            .JsonAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();
        var (_, stranger) = await host.ResidentAsync();
        await (await host.Client(stranger).GetAsync($"/api/v1/homes/{homeId}/grants")).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await CreateAsync(new { name = "Me", kind = "guest", schedule = new { type = "always" }, keypad = new { generate = true } }, stranger))
            .ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await host.Client(stranger).DeleteAsync($"/api/v1/homes/{homeId}/grants/{id}")).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await host.Client(owner).DeleteAsync($"/api/v1/homes/{homeId}/grants/{Guid.NewGuid()}")).ProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task AppAccess_InvitedGuest_SeesOnlyTheirDoorAndUnlocksInsideSchedule()
    {
        var guestEmail = $"g{Guid.NewGuid():N}@example.test";
        await (await host.Client().PostAsJsonAsync("/api/v1/auth/register", new { email = guestEmail, password = Api.Password, name = "Guest" })).JsonAsync(HttpStatusCode.Created);
        var guest = await host.LoginAsync(guestEmail, Api.Password);
        var created = await (await CreateAsync(new { name = "Sister", kind = "guest", schedule = TuesdayMornings, maxEntries = 2, appAccess = new { email = guestEmail } }))
            .JsonAsync(HttpStatusCode.Created);
        var grantId = created.GetProperty("id").GetGuid();

        // The guest is not a member: the home itself and its grants stay hidden.
        await (await host.Client(guest).GetAsync($"/api/v1/homes/{homeId}")).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await host.Client(guest).GetAsync($"/api/v1/homes/{homeId}/grants")).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        var access = await (await host.Client(guest).GetAsync("/api/v1/me/access")).JsonAsync(HttpStatusCode.OK);
        var door = Assert.Single(access.EnumerateArray());
        Assert.True(door.GetProperty("openNow").GetBoolean());

        await (await host.Client(guest).PostAsync($"/api/v1/me/access/{grantId}/unlock", null)).JsonAsync(HttpStatusCode.OK);
        Assert.Contains(host.Hub.Commands, c => c.Action == LockAction.Unlock && c.Reference == $"grant:{grantId}");

        (await host.Client(owner).PutAsJsonAsync($"/api/v1/homes/{homeId}/lockout", new { })).EnsureSuccessStatusCode();
        await (await host.Client(guest).PostAsync($"/api/v1/me/access/{grantId}/unlock", null)).ProblemAsync(HttpStatusCode.Forbidden, "lockout_active");
        (await host.Client(owner).DeleteAsync($"/api/v1/homes/{homeId}/lockout")).EnsureSuccessStatusCode();

        await (await host.Client(guest).PostAsync($"/api/v1/me/access/{grantId}/unlock", null)).JsonAsync(HttpStatusCode.OK);
        await (await host.Client(guest).PostAsync($"/api/v1/me/access/{grantId}/unlock", null)).ProblemAsync(HttpStatusCode.Forbidden, "max_entries_reached");

        host.Clock.Advance(TimeSpan.FromHours(2)); // 13:00 Berlin, past the range
        var later = await (await host.Client(guest).GetAsync("/api/v1/me/access")).JsonAsync(HttpStatusCode.OK);
        Assert.False(later[0].GetProperty("openNow").GetBoolean());
    }

    [Fact]
    public async Task AppAccess_OutsideScheduleOrRevoked_Refused()
    {
        var guestEmail = $"g{Guid.NewGuid():N}@example.test";
        await (await host.Client().PostAsJsonAsync("/api/v1/auth/register", new { email = guestEmail, password = Api.Password, name = "Guest" })).JsonAsync(HttpStatusCode.Created);
        var guest = await host.LoginAsync(guestEmail, Api.Password);
        var wednesdays = new { type = "recurring", days = new[] { "wednesday" }, from = "09:00", to = "17:00" };
        var grantId = (await (await CreateAsync(new { name = "Friend", kind = "guest", schedule = wednesdays, appAccess = new { email = guestEmail } }))
            .JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetGuid();

        await (await host.Client(guest).PostAsync($"/api/v1/me/access/{grantId}/unlock", null)).ProblemAsync(HttpStatusCode.Forbidden, "outside_window");
        (await host.Client(owner).DeleteAsync($"/api/v1/homes/{homeId}/grants/{grantId}")).EnsureSuccessStatusCode();
        await (await host.Client(guest).PostAsync($"/api/v1/me/access/{grantId}/unlock", null)).ProblemAsync(HttpStatusCode.Forbidden, "revoked");
        Assert.Empty((await (await host.Client(guest).GetAsync("/api/v1/me/access")).JsonAsync(HttpStatusCode.OK)).EnumerateArray());
        Assert.DoesNotContain(host.Hub.Commands, c => c.Reference == $"grant:{grantId}");
    }

    [Fact]
    public async Task AppAccess_UnknownInvitee_Refused()
    {
        var problem = await (await CreateAsync(new { name = "Ghost", kind = "guest", schedule = new { type = "always" }, appAccess = new { email = "nobody@example.test" } }))
            .ProblemAsync(HttpStatusCode.BadRequest, "unknown_account");
        Assert.Equal("appAccess.email", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task KeypadLength_SetPerHome_NewCodesFollowIt()
    {
        (await host.Client(owner).PutAsJsonAsync($"/api/v1/homes/{homeId}/keypad", new { codeLength = 4 })).EnsureSuccessStatusCode();
        var created = await (await CreateAsync(new { name = "Neighbour", kind = "guest", schedule = new { type = "always" }, keypad = new { generate = true } }))
            .JsonAsync(HttpStatusCode.Created);
        Assert.Matches("^[0-9]{4}$", created.GetProperty("keypadCode").GetString()!);
        await (await host.Client(owner).PutAsJsonAsync($"/api/v1/homes/{homeId}/keypad", new { codeLength = 9 })).ProblemAsync(HttpStatusCode.BadRequest, "invalid_field");
        var (_, stranger) = await host.ResidentAsync();
        await (await host.Client(stranger).PutAsJsonAsync($"/api/v1/homes/{homeId}/keypad", new { codeLength = 5 })).ProblemAsync(HttpStatusCode.NotFound, "not_found");
    }
}
