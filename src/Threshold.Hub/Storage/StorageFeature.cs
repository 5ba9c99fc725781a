using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Threshold.Hub.Storage;

internal static class StorageFeature
{
    /// <summary>The paired identity and keys, hub.db, and the durable jti set.</summary>
    public static IServiceCollection AddHubStorage(this IServiceCollection services)
    {
        services.AddSingleton(sp => new HubRuntime(sp.GetRequiredService<IOptions<HubSettings>>().Value.DataDirectory));
        services.AddSingleton(sp => new HubDatabase(sp.GetRequiredService<IOptions<HubSettings>>().Value.DataDirectory));
        services.AddSingleton<JtiStore>();
        return services;
    }
}
