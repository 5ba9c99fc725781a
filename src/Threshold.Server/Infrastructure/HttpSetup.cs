using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Threshold.Server.Infrastructure;

internal sealed class HttpOptions
{
    public const string Section = "Threshold:Http";

    /// <summary>Largest request body accepted; everything the API takes is small.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;
}

internal static class HttpSetup
{
    public static IHostApplicationBuilder AddHttpBasics(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<HttpOptions>().BindConfiguration(HttpOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var http = builder.Configuration.GetSection(HttpOptions.Section).Get<HttpOptions>() ?? new HttpOptions();
        services.Configure<KestrelServerOptions>(o =>
        {
            o.Limits.MaxRequestBodySize = http.MaxRequestBodyBytes;
            o.AddServerHeader = false;
        });

        services.ConfigureHttpJsonOptions(o =>
        {
            // Unknown fields are an error, not silently ignored: a typo must not weaken a policy.
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase, allowIntegerValues: false));
            o.SerializerOptions.MaxDepth = 16;
            // Numbers are numbers ("52.5" is not a latitude), and a repeated key is ambiguous, not "last one wins".
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            o.SerializerOptions.AllowDuplicateProperties = false;
        });
        // Minimal APIs answer unreadable bodies with a bare 400 unless told to throw; we want problem+json.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            var status = ctx.ProblemDetails.Status ?? ctx.HttpContext.Response.StatusCode;
            ctx.ProblemDetails.Extensions.TryAdd("code", Problems.DefaultCode(status));
            ctx.ProblemDetails.Extensions.Remove("traceId");
        });
        services.AddExceptionHandler<BadRequestHandler>();
        return builder;
    }

    public static WebApplication UseHttpBasics(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }
}
