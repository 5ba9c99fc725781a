using System.Net;
using System.Net.Http.Json;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Validation;

/// <summary>
/// Requests that create the same thing at the same moment: exactly one wins, the others get the conflict a
/// second request would get on its own (never a 500), and nothing is stored twice.
/// </summary>
public sealed class ParallelCreateTests : IAsyncLifetime
{
    private const int Racers = 16;
    private ServerHost host = null!;

    public async Task InitializeAsync() => host = await ServerHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Enrol_SameCarrierAtOnce_OneCreatedOthersAlreadyEnrolled()
    {
        var (_, owner) = await host.ResidentAsync();
        var (homeId, _) = await host.HomeAsync(owner);
        var (carrierId, _) = await host.CarrierAsync();

        var responses = await RaceAsync(() => host.Client(owner).PostAsJsonAsync($"/api/v1/homes/{homeId}/carriers",
            new { carrierId, policy = Api.EveryDayPolicy() }));

        await AssertOneWonAsync(responses, HttpStatusCode.Created, HttpStatusCode.Conflict, "already_enrolled");
        var list = await (await host.Client(owner).GetAsync($"/api/v1/homes/{homeId}/carriers")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(1, list.GetArrayLength());
    }

    [Fact]
    public async Task CreateDelivery_SameExternalRefAtOnce_OneCreatedOthersDuplicate()
    {
        var world = await World.CreateAsync(host);
        var start = host.Clock.GetUtcNow();
        var body = new
        {
            homeAccessId = world.HomeAccessId,
            externalRef = "ORDER-4711",
            packages = new[] { "PKG-1" },
            window = new { start = start.ToString("O"), end = start.AddHours(1).ToString("O") },
        };

        var responses = await RaceAsync(() => host.Client(world.CarrierKey).PostAsJsonAsync("/api/v1/deliveries", body));

        await AssertOneWonAsync(responses, HttpStatusCode.Created, HttpStatusCode.Conflict, "duplicate_external_ref");
        var stops = await (await host.Client(world.OwnerToken).GetAsync($"/api/v1/homes/{world.HomeId}/deliveries")).Content.ReadAsStringAsync();
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(stops, "ORDER-4711"));
    }

    [Fact]
    public async Task Register_SameEmailAtOnce_OneCreatedOthersEmailTaken()
    {
        var email = $"race{Guid.NewGuid():N}@example.test";

        var responses = await RaceAsync(() => host.Client().PostAsJsonAsync("/api/v1/auth/register", new { email, password = Api.Password, name = "R" }));

        await AssertOneWonAsync(responses, HttpStatusCode.Created, HttpStatusCode.Conflict, "email_taken");
        await host.LoginAsync(email, Api.Password);
    }

    [Fact]
    public async Task CreateGrant_SameCodeAtOnce_OneCreatedOthersCollision()
    {
        var (_, owner) = await host.ResidentAsync();
        var (homeId, _) = await host.HomeAsync(owner);
        var n = 0;

        var responses = await RaceAsync(() => host.Client(owner).PostAsJsonAsync($"/api/v1/homes/{homeId}/grants",
            new { name = "G" + Interlocked.Increment(ref n), kind = "guest", schedule = new { type = "always" }, keypad = new { code = "582047" } }));

        await AssertOneWonAsync(responses, HttpStatusCode.Created, HttpStatusCode.BadRequest, "code_collision");
        var grants = await (await host.Client(owner).GetAsync($"/api/v1/homes/{homeId}/grants")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(1, grants.GetArrayLength());
    }

    private static async Task<HttpResponseMessage[]> RaceAsync(Func<Task<HttpResponseMessage>> send)
    {
        using var go = new SemaphoreSlim(0);
        var tasks = Enumerable.Range(0, Racers).Select(async _ =>
        {
            await go.WaitAsync();
            return await send();
        }).ToArray();
        go.Release(Racers);
        return await Task.WhenAll(tasks);
    }

    private static async Task AssertOneWonAsync(HttpResponseMessage[] responses, HttpStatusCode won, HttpStatusCode lost, string code)
    {
        Assert.Equal(Racers, responses.Length);
        var statuses = string.Join(", ", responses.Select(r => (int)r.StatusCode));
        Assert.True(responses.Count(r => r.StatusCode == won) == 1, $"exactly one {(int)won}: {statuses}");
        foreach (var response in responses.Where(r => r.StatusCode != won))
        {
            await response.ProblemAsync(lost, code);
        }
    }
}
