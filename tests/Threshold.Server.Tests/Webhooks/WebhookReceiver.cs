using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;

namespace Threshold.Server.Tests.Webhooks;

/// <summary>One request as the receiver got it, and whether its signature verified when it arrived.</summary>
public sealed record ReceivedWebhook(string? Id, string? Timestamp, string? Signature, string Body, bool Verified, int Answered)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string Type => Json.GetProperty("type").GetString()!;

    public Guid DeliveryId => Json.GetProperty("data").GetProperty("deliveryId").GetGuid();
}

/// <summary>
/// A carrier's endpoint on loopback (Kestrel): verifies each request with <see cref="StandardWebhooksVerifier"/> against
/// the secret it is given and the server's clock, answers with <see cref="Answer"/>, and keeps every request.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly Func<DateTimeOffset> now;
    private int redirected;

    private WebhookReceiver(WebApplication app, Func<DateTimeOffset> now)
    {
        this.app = app;
        this.now = now;
    }

    public string Url => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";

    /// <summary>The endpoint's secret (set once registered); requests before that do not verify.</summary>
    public string Secret { get; set; } = "whsec_";

    /// <summary>The status code a request gets, given its body.</summary>
    public Func<string, int> Answer { get; set; } = _ => 200;

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    public Signal Arrived { get; } = new();

    /// <summary>When set, requests wait for it before they are answered (an endpoint that hangs).</summary>
    public TaskCompletionSource? Hold { get; set; }

    /// <summary>Requests that reached <c>/elsewhere</c>, where a 3xx answer points.</summary>
    public int Redirected => Volatile.Read(ref redirected);

    /// <summary>The requests answered 2xx that verified, first arrival per <c>webhook-id</c> (a receiver deduplicates).</summary>
    public List<ReceivedWebhook> Accepted() =>
        [.. Received.Where(r => r.Verified && r.Answered is >= 200 and < 300).DistinctBy(r => r.Id)];

    public static async Task<WebhookReceiver> StartAsync(Func<DateTimeOffset> now)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, now);
        app.MapPost("/hook", receiver.HandleAsync);
        app.MapPost("/elsewhere", () =>
        {
            Interlocked.Increment(ref receiver.redirected);
            receiver.Arrived.Pulse();
            return Results.Ok();
        });
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task<IResult> HandleAsync(HttpRequest request, HttpResponse response)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        string? Header(string name) => request.Headers.TryGetValue(name, out var v) ? v.ToString() : null;
        var (id, timestamp, signature) = (Header("webhook-id"), Header("webhook-timestamp"), Header("webhook-signature"));
        var verified = StandardWebhooksVerifier.Verify(Secret, id, timestamp, signature, body, now());
        var status = Answer(body);
        Received.Enqueue(new ReceivedWebhook(id, timestamp, signature, body, verified, status));
        Arrived.Pulse();
        if (Hold is { } hold)
        {
            await hold.Task.WaitAsync(request.HttpContext.RequestAborted);
        }

        if (status is >= 300 and < 400)
        {
            response.Headers.Location = "/elsewhere";
        }

        return Results.StatusCode(status);
    }
}
