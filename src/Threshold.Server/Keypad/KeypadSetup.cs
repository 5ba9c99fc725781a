using Threshold.Server.Data;
using Threshold.Server.Hubs;

namespace Threshold.Server.Keypad;

/// <summary>
/// Keypad codes: the vault that keeps them, the set a home's hub must hold and its sync (requested by every
/// committed write that changes the set), the hub's slot reports, and the owner's keypad settings.
/// </summary>
internal static class KeypadSetup
{
    public static IHostApplicationBuilder AddKeypad(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddScoped<CodeVault>();
        services.AddScoped<CredentialSetBuilder>();
        services.AddSingleton<CredentialSync>();
        services.AddHostedService(sp => sp.GetRequiredService<CredentialSync>());
        services.AddSingleton<IWriteConsequence>(sp => new CredentialSetChanges(sp.GetRequiredService<CredentialSync>().Request));
        services.AddScoped<IHubEventHandler, SlotReports>();
        return builder;
    }
}
