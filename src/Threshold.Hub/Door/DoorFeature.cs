using Microsoft.Extensions.DependencyInjection;

namespace Threshold.Hub.Door;

/// <summary>The door room: its controller (relock rules, alarms) and the events it writes.</summary>
internal static class DoorFeature
{
    public static IServiceCollection AddDoor(this IServiceCollection services) =>
        services.AddSingleton<DoorEvents>().AddHostedSingleton<DoorController>();
}
