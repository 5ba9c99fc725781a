using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Threshold.Protocol.Pairing;

namespace Threshold.Server.Tests.Support;

/// <summary>
/// Whoever sits on the path between a hub and the server: a reverse proxy over real sockets (Kestrel on loopback)
/// that forwards every request to the server and may rewrite the server's pairing answer before the hub sees it.
/// </summary>
internal sealed class PairingProxy : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly HttpClient upstream;

    private PairingProxy(WebApplication app, HttpClient upstream)
    {
        this.app = app;
        this.upstream = upstream;
    }

    /// <summary>Where the hub is sent instead of the server.</summary>
    public Uri Address => new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>Pairing answers that went through.</summary>
    public int Rewritten { get; private set; }

    public static async Task<PairingProxy> StartAsync(Uri server, Action<JsonObject> rewriteAnswer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var upstream = new HttpClient { BaseAddress = server };
        var proxy = new PairingProxy(app, upstream);
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path + context.Request.QueryString)
            {
                Content = new ByteArrayContent(body.ToArray()),
            };
            if (context.Request.ContentType is { } type)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
            }

            using var response = await upstream.SendAsync(request);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            if (context.Request.Path == PairingEndpoint.Path && response.IsSuccessStatusCode)
            {
                var answer = JsonNode.Parse(bytes)!.AsObject();
                rewriteAnswer(answer);
                proxy.Rewritten++;
                bytes = Encoding.UTF8.GetBytes(answer.ToJsonString());
            }

            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
            await context.Response.Body.WriteAsync(bytes);
        });
        await app.StartAsync();
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        upstream.Dispose();
    }
}
