namespace Threshold.Demo;

internal sealed class DemoOptions
{
    public const string Section = "Threshold:Demo";

    /// <summary>Where the server listens unless <c>--urls</c> or <c>ASPNETCORE_URLS</c> says otherwise.</summary>
    public const string DefaultServerUrl = "http://127.0.0.1:5000";

    public int HomeBrokerPort { get; set; } = 1884;

    public string SimulatorControl { get; set; } = "http://127.0.0.1:5090";
}
