using Microsoft.Extensions.DependencyInjection;

namespace Threshold.Hub.Keypad;

internal static class KeypadFeature
{
    /// <summary>Register after <c>AddZigbee</c>: the loop stops first, so a shutdown's disconnect is not reported as slots going "pending".</summary>
    public static IServiceCollection AddKeypad(this IServiceCollection services)
    {
        services.AddSingleton<KeypadStore>();
        services.AddSingleton<KeypadEvents>();
        services.AddSingleton<KeypadEntries>();
        services.AddSingleton<WrongCodeCooldown>();
        services.AddSingleton<SlotTableReport>();
        services.AddSingleton<KeypadLoop>();
        services.AddSingleton<CredentialSync>();
        services.AddHostedService(sp => sp.GetRequiredService<KeypadLoop>());
        return services;
    }
}
