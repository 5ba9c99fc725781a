using System.Net;

namespace Threshold.Server.Tests.Webhooks;

/// <summary>What one attempt may do: no redirect is followed, and no attempt outlasts its timeout.</summary>
public sealed class WebhookAttemptLimitsTests : IAsyncLifetime
{
    private WebhookWorld world = null!;

    public async Task InitializeAsync() =>
        world = await WebhookWorld.CreateAsync(settings: new Dictionary<string, string> { ["Threshold:Webhooks:AttemptTimeout"] = "00:00:01" });

    public async Task DisposeAsync()
    {
        world.Receiver.Hold?.TrySetResult();
        await world.DisposeAsync();
    }

    [Fact]
    public async Task EndpointRedirects_NotFollowedCountsAsFailureAndIsRetried()
    {
        world.Receiver.Answer = _ => 307;

        await world.DeliveryAsync();

        var attempt = await AttemptedAsync();
        Assert.Equal(("pending", 307, "http_307"), (attempt.GetProperty("state").GetString(), attempt.GetProperty("lastStatusCode").GetInt32(), attempt.GetProperty("lastError").GetString()));
        Assert.Equal(System.Text.Json.JsonValueKind.String, attempt.GetProperty("nextRetryAt").ValueKind);
        Assert.Equal(0, world.Receiver.Redirected);
        Assert.Single(world.Receiver.Received);
    }

    [Fact]
    public async Task EndpointHangs_AttemptTimesOutAndIsRetried()
    {
        world.Receiver.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        await world.DeliveryAsync();

        var attempt = await AttemptedAsync();
        Assert.Equal(("pending", "timeout"), (attempt.GetProperty("state").GetString(), attempt.GetProperty("lastError").GetString()));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, attempt.GetProperty("lastStatusCode").ValueKind);
        world.Receiver.Hold = null;
        world.Host.Clock.Advance(TimeSpan.FromSeconds(15));
        var accepted = await world.AcceptedAsync(1);
        Assert.Equal("scheduled", accepted[0].Type);
    }

    private async Task<System.Text.Json.JsonElement> AttemptedAsync()
    {
        System.Text.Json.JsonElement attempt = default;
        await Eventually.UntilAsync(async () =>
        {
            attempt = (await world.AttemptsAsync()).Single();
            return attempt.GetProperty("attempts").GetInt32() == 1;
        }, "the first attempt recorded");
        return attempt;
    }
}
