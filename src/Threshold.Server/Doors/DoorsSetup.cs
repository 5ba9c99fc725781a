namespace Threshold.Server.Doors;

internal static class DoorsSetup
{
    /// <summary>The one door-command path (<see cref="DoorCommands"/>) and the residents' remote lock/unlock.</summary>
    public static IHostApplicationBuilder AddDoors(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<DoorCommands>();
        return builder;
    }
}
