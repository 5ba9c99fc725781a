using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Deliveries;

/// <summary>Issue 13 item 3: under <c>requireApproval</c> a courier enters only after a resident said yes in time.</summary>
public sealed class ApprovalAtTheDoorTests : IAsyncLifetime
{
    private ServerHost host = null!;
    private string owner = "";
    private Guid home;
    private Guid carrierId;
    private string carrierKey = "";
    private string courier = "";
    private Guid delivery;

    public async Task InitializeAsync()
    {
        host = await ServerHost.StartAsync();
        (_, owner) = await host.ResidentAsync();
        (home, _) = await host.HomeAsync(owner);
        (carrierId, carrierKey) = await host.CarrierAsync();
        var access = await host.EnrolAsync(owner, home, carrierId, new { anyTime = true, requireApproval = true, approvalTimeout = 30, cameraRequired = false });
        var (courierId, token) = await host.CourierAsync(carrierKey);
        courier = token;
        delivery = await host.DeliveryAsync(carrierKey, access, courierId);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Approve_ThenUnlock_TheEntryWorksOnlyAfterTheYes()
    {
        var arrived = await (await host.ArriveAsync(courier, delivery)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("awaiting_approval", arrived.GetProperty("status").GetString());
        Assert.Equal(host.Clock.GetUtcNow().AddSeconds(30), arrived.GetProperty("approvalDeadline").GetDateTimeOffset());
        await (await host.UnlockAsync(courier, delivery)).ProblemAsync(HttpStatusCode.Forbidden, "awaiting_approval");
        Assert.Empty(host.Hub.Commands);

        var approved = await (await Answer(owner, "approve")).JsonAsync(HttpStatusCode.OK);

        Assert.Equal("arrived", approved.GetProperty("status").GetString());
        await (await host.UnlockAsync(courier, delivery)).JsonAsync(HttpStatusCode.OK);
        Assert.Single(host.Hub.Commands);
        var audit = await (await host.RequestAsync(HttpMethod.Get, $"/api/v1/homes/{home}/audit", owner)).Content.ReadAsStringAsync();
        Assert.Contains("delivery.approval_requested", audit, StringComparison.Ordinal);
        Assert.Contains("delivery.approved", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deny_UnlockAnswersApprovalDeniedAndTheCourierSeesWhy()
    {
        await (await host.ArriveAsync(courier, delivery)).JsonAsync(HttpStatusCode.OK);

        await (await Answer(owner, "deny")).JsonAsync(HttpStatusCode.OK);

        await (await host.UnlockAsync(courier, delivery)).ProblemAsync(HttpStatusCode.Forbidden, "approval_denied");
        var stop = await (await host.RequestAsync(HttpMethod.Get, $"/api/v1/courier/deliveries/{delivery}", courier)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(("declined", "approval_denied"), (stop.GetProperty("status").GetString(), stop.GetProperty("failureReason").GetString()));
        await (await Answer(owner, "approve")).ProblemAsync(HttpStatusCode.Conflict, "not_awaiting_approval");
        Assert.Empty(host.Hub.Commands);
    }

    [Fact]
    public async Task Silence_ApprovalTimeoutAtTheConfiguredTimeAndALateYesChangesNothing()
    {
        await (await host.ArriveAsync(courier, delivery)).JsonAsync(HttpStatusCode.OK);
        host.Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal("awaiting_approval", await host.CourierStatusAsync(courier, delivery));

        host.Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("approval_timeout", await host.CourierStatusAsync(courier, delivery));
        await (await host.UnlockAsync(courier, delivery)).ProblemAsync(HttpStatusCode.Forbidden, "approval_timeout");
        await (await Answer(owner, "approve")).ProblemAsync(HttpStatusCode.Conflict, "approval_timeout");
        await (await host.UnlockAsync(courier, delivery)).ProblemAsync(HttpStatusCode.Forbidden, "approval_timeout");
        // Knocking again asks the household again.
        var again = await (await host.ArriveAsync(courier, delivery)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("awaiting_approval", again.GetProperty("status").GetString());
        Assert.Empty(host.Hub.Commands);
    }

    [Fact]
    public async Task TwoResidentsAnswerAtOnce_OneAnswerWinsAndIsAudited()
    {
        var (memberId, member) = await host.ResidentAsync(name: "Member");
        await host.AddMemberAsync(home, memberId);
        await (await host.ArriveAsync(courier, delivery)).JsonAsync(HttpStatusCode.OK);

        var answers = await Task.WhenAll(Answer(owner, "approve"), Answer(member, "deny"));

        Assert.Single(answers, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Single(answers, r => r.StatusCode == HttpStatusCode.Conflict);
        var audit = await (await host.RequestAsync(HttpMethod.Get, $"/api/v1/homes/{home}/audit", owner)).Content.ReadAsStringAsync();
        var answered = audit.Split('\n').Count(l => l.Contains("\"delivery.approved\"", StringComparison.Ordinal) || l.Contains("\"delivery.denied\"", StringComparison.Ordinal));
        Assert.Equal(1, answered);
    }

    [Fact]
    public async Task ServerRestartWhileWaiting_StillWaitingThenTimedOutNeverApproved()
    {
        await (await host.ArriveAsync(courier, delivery)).JsonAsync(HttpStatusCode.OK);

        await host.RestartAsync();

        Assert.Equal("awaiting_approval", await host.CourierStatusAsync(courier, delivery));
        await (await host.UnlockAsync(courier, delivery)).ProblemAsync(HttpStatusCode.Forbidden, "awaiting_approval");
        host.Clock.Advance(TimeSpan.FromSeconds(30));
        await host.RestartAsync();
        await (await host.UnlockAsync(courier, delivery)).ProblemAsync(HttpStatusCode.Forbidden, "approval_timeout");
        Assert.Empty(host.Hub.Commands);
    }

    [Fact]
    public async Task Answer_AnotherHomeOrUnknownDelivery_NotFoundNothingChanged()
    {
        var (_, stranger) = await host.ResidentAsync();
        var (strangerHome, _) = await host.HomeAsync(stranger);
        await (await host.ArriveAsync(courier, delivery)).JsonAsync(HttpStatusCode.OK);

        await (await host.RequestAsync(HttpMethod.Post, $"/api/v1/homes/{home}/deliveries/{delivery}/approve", stranger)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await host.RequestAsync(HttpMethod.Post, $"/api/v1/homes/{strangerHome}/deliveries/{delivery}/approve", stranger)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await host.RequestAsync(HttpMethod.Post, $"/api/v1/homes/{home}/deliveries/{Guid.NewGuid()}/deny", owner)).ProblemAsync(HttpStatusCode.NotFound, "not_found");

        Assert.Equal("awaiting_approval", await host.CourierStatusAsync(courier, delivery));
    }

    [Fact]
    public async Task CourierStream_ShowsTheQuestionAndTheAnswerToTheirCourierOnly()
    {
        var (_, colleague) = await host.CourierAsync(carrierKey, "Colleague");
        using var mine = await OpenStreamAsync(courier);
        using var theirs = await OpenStreamAsync(colleague);

        await (await host.ArriveAsync(courier, delivery)).JsonAsync(HttpStatusCode.OK);
        await (await Answer(owner, "approve")).JsonAsync(HttpStatusCode.OK);

        Assert.Equal("awaiting_approval", (await mine.NextAsync()).GetProperty("status").GetString());
        var answered = await mine.NextAsync();
        Assert.Equal((delivery, "arrived"), (answered.GetProperty("id").GetGuid(), answered.GetProperty("status").GetString()));
        await (await host.UnlockAsync(courier, delivery)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("unlocked", (await mine.NextAsync()).GetProperty("status").GetString());
        Assert.False(theirs.HasItem, "another courier saw this stop");
    }

    [Theory]
    [InlineData("""{"anyTime":true,"requireApproval":true,"entryMethod":"keypad"}""", "policy.requireApproval")]
    [InlineData("""{"anyTime":true,"requireApproval":true,"approvalTimeout":5}""", "policy.approvalTimeout")]
    [InlineData("""{"anyTime":true,"requireApproval":true,"approvalTimeout":601}""", "policy.approvalTimeout")]
    [InlineData("""{"anyTime":true,"approvalTimeout":60}""", "policy.approvalTimeout")]
    public async Task Enrol_BadApprovalPolicy_InvalidPolicy(string policyJson, string field)
    {
        var (_, otherOwner) = await host.ResidentAsync();
        var (otherHome, _) = await host.HomeAsync(otherOwner);
        var body = new { carrierId, policy = JsonSerializer.Deserialize<JsonElement>(policyJson) };

        var problem = await (await host.RequestAsync(HttpMethod.Post, $"/api/v1/homes/{otherHome}/carriers", otherOwner, body)).ProblemAsync(HttpStatusCode.BadRequest, "invalid_policy");

        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    private async Task<StopStream> OpenStreamAsync(string token)
    {
        var client = host.Client(token);
        var response = await client.GetAsync("/api/v1/courier/deliveries/stream", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var stream = new StopStream(client, response, await response.Content.ReadAsStreamAsync());
        await stream.ReadyAsync();
        return stream;
    }

    /// <summary>The courier's SSE stream: "ready" first, then one "stop" item per change.</summary>
    private sealed class StopStream(HttpClient client, HttpResponseMessage response, Stream body) : IDisposable
    {
        private readonly IAsyncEnumerator<System.Net.ServerSentEvents.SseItem<string>> items =
            System.Net.ServerSentEvents.SseParser.Create(body).EnumerateAsync().GetAsyncEnumerator();

        private Task<bool>? pending;

        public bool HasItem => pending is { IsCompleted: true, Result: true };

        public async Task ReadyAsync()
        {
            Assert.True(await items.MoveNextAsync().AsTask().WaitAsync(Eventually.Timeout));
            Assert.Equal("ready", items.Current.EventType);
            pending = items.MoveNextAsync().AsTask();
        }

        public async Task<JsonElement> NextAsync()
        {
            Assert.True(await pending!.WaitAsync(Eventually.Timeout), "the stream ended");
            var item = items.Current;
            pending = items.MoveNextAsync().AsTask();
            Assert.Equal("stop", item.EventType);
            return JsonSerializer.Deserialize<JsonElement>(item.Data);
        }

        public void Dispose()
        {
            response.Dispose();
            client.Dispose();
        }
    }

    private Task<HttpResponseMessage> Answer(string token, string verb) =>
        host.RequestAsync(HttpMethod.Post, $"/api/v1/homes/{home}/deliveries/{delivery}/{verb}", token);
}
