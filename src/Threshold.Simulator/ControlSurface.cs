using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Threshold.Simulator;

internal sealed record ProblemBody(string Type, string Title, int Status, string Code, string? Detail);

internal sealed record KeypadResult(bool Accepted);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SimulatorState))]
[JsonSerializable(typeof(ProblemBody))]
[JsonSerializable(typeof(KeypadResult))]
internal sealed partial class ControlJson : JsonSerializerContext;

/// <summary>
/// The HTTP control surface: what a tester's hands do to the door (open it, type a code, jam the bolt).
/// Built on an empty host so nothing from the embedding process (appsettings, ASPNETCORE_URLS, Ctrl+C
/// handling) leaks in when src/Threshold.Demo hosts the simulator in-process.
/// </summary>
internal sealed class ControlSurface : IAsyncDisposable
{
    private const int MaxBodyBytes = 16 * 1024;
    private readonly WebApplication app;

    private ControlSurface(WebApplication app, Uri baseUrl)
    {
        this.app = app;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public static async Task<ControlSurface> StartAsync(Uri url, SimulatedHome home, ILoggerFactory loggerFactory, CancellationToken ct)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxBodyBytes);
        // Kestrel takes no path in its URLs: bind the origin and map the routes under the path.
        builder.WebHost.UseUrls(url.GetLeftPart(UriPartial.Authority));
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddLogging();
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        var app = builder.Build();
        var basePath = url.AbsolutePath.TrimEnd('/');
        Map(app.MapGroup(basePath), home);
        try
        {
            await app.StartAsync(ct);
        }
        catch
        {
            // e.g. the port is taken: release what was built before reporting the failure.
            await app.DisposeAsync();
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? url.GetLeftPart(UriPartial.Authority);
        return new ControlSurface(app, new Uri(bound.TrimEnd('/') + basePath + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private static void Map(RouteGroupBuilder routes, SimulatedHome home)
    {
        routes.MapGet("/state", () => Results.Json(home.GetState(), ControlJson.Default.SimulatorState));
        MapAction(routes, "/door/open", home.OpenDoorAsync);
        MapAction(routes, "/door/close", home.CloseDoorAsync);
        MapAction(routes, "/jam", home.JamAsync);
        MapAction(routes, "/unjam", home.UnjamAsync);
        MapAction(routes, "/offline", home.GoOfflineAsync);
        MapAction(routes, "/online", home.GoOnlineAsync);
        MapAction(routes, "/bolt/manual-unlock", home.ManualUnlockAsync);
        MapAction(routes, "/bolt/manual-lock", home.ManualLockAsync);
        routes.MapPost("/keypad", (HttpRequest request) => KeypadAsync(request, home));
    }

    private static void MapAction(RouteGroupBuilder routes, string pattern, Func<CancellationToken, Task> action) =>
        routes.MapPost(pattern, async () =>
        {
            try
            {
                // Not the request's token: a client hanging up must not cut a physical action in half.
                await action(CancellationToken.None);
                return Results.NoContent();
            }
            catch (SimulatorConflictException e)
            {
                return Problem(StatusCodes.Status409Conflict, e.Code, "The action is physically impossible now.", e.Message);
            }
        });

    private static async Task<IResult> KeypadAsync(HttpRequest request, SimulatedHome home)
    {
        string? code;
        try
        {
            using var body = await JsonDocument.ParseAsync(request.Body, default, request.HttpContext.RequestAborted);
            if (body.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Problem(StatusCodes.Status400BadRequest, "invalid_body", "The body must be a JSON object.", null);
            }

            code = body.RootElement.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        }
        catch (Exception e) when (e is JsonException or BadHttpRequestException)
        {
            return Problem(StatusCodes.Status400BadRequest, "invalid_body", "The body must be JSON like {\"code\":\"1234\"}.", null);
        }

        if (!SimulatedHome.IsKeypadCode(code))
        {
            return Problem(StatusCodes.Status400BadRequest, "invalid_code", "The code must be a string of 1 to 16 digits.", null);
        }

        var accepted = await home.TypeCodeAsync(code!, CancellationToken.None);
        return Results.Json(new KeypadResult(accepted), ControlJson.Default.KeypadResult);
    }

    private static IResult Problem(int status, string code, string title, string? detail) =>
        Results.Json(new ProblemBody("about:blank", title, status, code, detail), ControlJson.Default.ProblemBody, "application/problem+json", status);

    /// <summary>The embedding process owns start-up and shutdown; this host reacts to no console signals.</summary>
    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
