using System.ComponentModel.DataAnnotations;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Threshold.Server.Auth;

namespace Threshold.Server.Infrastructure;

internal sealed class RateLimitOptions
{
    public const string Section = "Threshold:RateLimits";

    /// <summary>Login attempts per client address per minute.</summary>
    [Range(1, 100_000)]
    public int LoginPerMinute { get; set; } = 10;

    /// <summary>Arrive/unlock/lock calls per courier per minute.</summary>
    [Range(1, 1_000_000)]
    public int CourierPerMinute { get; set; } = 30;

    /// <summary>Account registrations per client address per hour.</summary>
    [Range(1, 100_000)]
    public int RegisterPerHour { get; set; } = 20;
}

internal static class RateLimits
{
    public const string Login = "login";
    public const string Register = "register";
    public const string Courier = "courier";

    public static IHostApplicationBuilder AddRateLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var limits = builder.Configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (ctx, ct) =>
            {
                if (ctx.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry))
                {
                    ctx.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                await Problems.Create(429, "rate_limited", "Too many attempts; wait and try again.").ExecuteAsync(ctx.HttpContext);
            };
            o.AddPolicy(Login, ctx => PerMinute(ClientAddress(ctx), limits.LoginPerMinute));
            o.AddPolicy(Register, ctx => RateLimitPartition.GetFixedWindowLimiter(ClientAddress(ctx), _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = limits.RegisterPerHour,
                Window = TimeSpan.FromHours(1),
            }));
            o.AddPolicy(Courier, ctx => PerMinute(
                ctx.User.Identity?.IsAuthenticated == true ? "u:" + ctx.User.UserId() : ClientAddress(ctx),
                limits.CourierPerMinute));
        });
        return builder;
    }

    private static string ClientAddress(HttpContext ctx) => "ip:" + (ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    private static RateLimitPartition<string> PerMinute(string key, int permits) =>
        RateLimitPartition.GetSlidingWindowLimiter(key, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromMinutes(1),
            SegmentsPerWindow = 6,
        });
}
