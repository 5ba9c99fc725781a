using Microsoft.Extensions.DependencyInjection;

namespace Threshold.Hub.Outbox;

internal static class OutboxFeature
{
    public static IServiceCollection AddOutbox(this IServiceCollection services)
    {
        services.AddSingleton<OutboundWakeup>();
        services.AddSingleton<EventOutbox>();
        return services;
    }
}
