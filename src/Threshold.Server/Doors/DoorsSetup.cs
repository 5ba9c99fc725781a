namespace Threshold.Server.Doors;

internal static class DoorsSetup
{
    /// <summary>The one door-command path (<see cref="DoorCommands"/>); its endpoints are the residents' (<see cref="LocksApi"/>).</summary>
    public static IHostApplicationBuilder AddDoors(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<DoorCommands>();
        return builder;
    }
}
