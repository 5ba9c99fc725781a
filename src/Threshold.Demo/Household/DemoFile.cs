using System.Text.Json;

namespace Threshold.Demo.Household;

internal sealed record DemoUser(string Email, string Password);

internal sealed record DemoCourier(Guid Id, string Email, string Password);

internal sealed record DemoCarrier(Guid Id, string ApiKey);

internal sealed record DemoLocation(double Latitude, double Longitude);

internal sealed record DemoBroker(string Host, int Port);

internal sealed record DemoSimulator(string Control);

/// <summary>The shape of <c>data/demo.json</c> (issue #3): everything a newcomer needs to walk a delivery with curl.</summary>
internal sealed record DemoFile(
    string ServerUrl, DemoUser Resident, Guid HomeId, Guid LockId, DemoLocation HomeLocation, DemoCarrier Carrier,
    DemoCourier Courier, Guid DeliveryId, string HomeAccessId, string PackageBarcode, DemoBroker Broker, DemoSimulator Simulator)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static DemoFile? Read(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<DemoFile>(File.ReadAllText(path), Json) : null;

    public void Write(string path) => PrivateFile.Write(path, JsonSerializer.Serialize(this, Json));
}
