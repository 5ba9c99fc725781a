using Threshold.Server.Data;

namespace Threshold.Server.Webhooks;

internal static class WebhooksSetup
{
    /// <summary>Carriers' webhook endpoints: the outbox written with every delivery change, and its dispatcher.</summary>
    public static IHostApplicationBuilder AddWebhooks(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.FirstRetryDelay <= o.MaxRetryDelay, "Threshold:Webhooks:FirstRetryDelay must not exceed MaxRetryDelay.")
            .ValidateOnStart();
        services.AddSingleton<WebhookDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        services.AddSingleton<IWriteConsequence>(sp => new WebhookOutbox(sp.GetRequiredService<WebhookDispatcher>(), sp.GetRequiredService<TimeProvider>()));
        return builder;
    }
}
