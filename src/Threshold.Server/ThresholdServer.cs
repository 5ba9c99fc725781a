using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Threshold.Server.Accounts;
using Threshold.Server.Audit;
using Threshold.Server.Auth;
using Threshold.Server.Carriers;
using Threshold.Server.Courier;
using Threshold.Server.Data;
using Threshold.Server.Deliveries;
using Threshold.Server.Doors;
using Threshold.Server.Events;
using Threshold.Server.Grants;
using Threshold.Server.Homes;
using Threshold.Server.Hubs;
using Threshold.Server.Infrastructure;
using Threshold.Server.Keypad;
using Threshold.Server.Notifications;
using Threshold.Server.Sessions;
using Threshold.Server.Tls;
using Threshold.Server.Webhooks;

namespace Threshold.Server;

internal sealed class ServerOptions
{
    public const string Section = "Threshold";

    /// <summary>Holds the SQLite file and data-protection keys; created on start.</summary>
    public string DataDirectory { get; set; } = "data";
}

/// <summary>Composition root shared by Program, the tests and the benchmarks.</summary>
internal static class ThresholdServer
{
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var dataDir = Path.GetFullPath(builder.Configuration.GetSection(ServerOptions.Section).Get<ServerOptions>()?.DataDirectory ?? "data");
        Directory.CreateDirectory(dataDir);
        builder.Services.AddSingleton(new DataDirectory(dataDir));
        builder.Services.AddSingleton(TimeProvider.System);

        builder.AddTls();
        builder.AddHttpBasics().AddDatabase().AddAuth().AddSessions().AddRateLimits().AddPush();
        builder.Services.AddScoped<AuditTrail>();
        builder.Services.AddSingleton<ActivityBroadcaster>();
        builder.AddHubs().AddKeypad().AddDeliveries().AddDoors().AddCourier();
        builder.AddWebhooks();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        builder.Services.AddOpenApi();
        return builder;
    }

    public static WebApplication MapThreshold(this WebApplication app)
    {
        app.UseHttpBasics();
        app.UsePlainHttpPolicy();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();

        app.MapOpenApi();
        app.MapHealthChecks("/health", new HealthCheckOptions()).AllowAnonymous();
        app.MapAccounts();
        app.MapSessions();
        app.MapMe();
        app.MapMembers();
        app.MapPush();
        app.MapHomes();
        app.MapCarriers();
        app.MapDeliveries();
        app.MapHomeDeliveries();
        app.MapCourier();
        app.MapEvents();
        app.MapAudit();
        app.MapPairing();
        app.MapGrants();
        app.MapAccess();
        app.MapKeypad();
        app.MapLocks();
        app.MapWebhooks();
        return app;
    }
}
