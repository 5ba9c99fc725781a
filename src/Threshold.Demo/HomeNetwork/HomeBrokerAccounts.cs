using System.Text.Json;
using Threshold.Server.Hubs;

namespace Threshold.Demo.HomeNetwork;

internal sealed record HomeBrokerAccount(string Username, string Password);

/// <summary>
/// The home broker's two accounts (<c>data/home-broker.json</c>): zigbee2mqtt's, which the simulated devices use, and
/// the hub's. The passwords are generated at the first start of an install and kept, never printed or logged.
/// </summary>
internal sealed record HomeBrokerAccounts(HomeBrokerAccount Zigbee2Mqtt, HomeBrokerAccount Hub)
{
    public const string FileName = "home-broker.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The accounts stored in <paramref name="dataDir"/>, made and stored first if there are none.</summary>
    public static HomeBrokerAccounts LoadOrCreate(string dataDir)
    {
        var path = Path.Combine(dataDir, FileName);
        if (File.Exists(path) && JsonSerializer.Deserialize<HomeBrokerAccounts>(File.ReadAllText(path), Json) is { } stored
            && !string.IsNullOrEmpty(stored.Zigbee2Mqtt?.Password) && !string.IsNullOrEmpty(stored.Hub?.Password))
        {
            return stored;
        }

        var made = new HomeBrokerAccounts(new HomeBrokerAccount("zigbee2mqtt", Secrets.Password()), new HomeBrokerAccount("threshold-hub", Secrets.Password()));
        PrivateFile.Write(path, JsonSerializer.Serialize(made, Json));
        return made;
    }

    /// <summary>The role of whoever signs in with these credentials, or null (anonymous, unknown user, wrong password).</summary>
    public HomeBrokerRole? RoleOf(string? username, string? password)
    {
        if (string.IsNullOrEmpty(username) || string.IsNullOrEmpty(password))
        {
            return null;
        }

        // Both compared, in constant time, so the answer's timing says nothing about which part was wrong.
        var zigbee = Same(username, Zigbee2Mqtt.Username) & Same(password, Zigbee2Mqtt.Password);
        var hub = Same(username, Hub.Username) & Same(password, Hub.Password);
        return zigbee ? HomeBrokerRole.Zigbee2Mqtt : hub ? HomeBrokerRole.Hub : null;
    }

    private static bool Same(string given, string expected) => Secrets.Matches(given, Secrets.Hash(expected));
}
