namespace Threshold.Server.Carriers;

internal sealed class Carrier
{
    private Carrier()
    {
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public string ApiKeyId { get; private set; } = "";
    public string ApiKeyHash { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>Creates a carrier and returns the API key; the key is never stored or shown again.</summary>
    public static (Carrier Carrier, string ApiKey) Create(string name, DateTimeOffset now)
    {
        var (key, keyId, hash) = CarrierApiKey.Create();
        return (new Carrier { Id = Guid.CreateVersion7(now), Name = name, ApiKeyId = keyId, ApiKeyHash = hash, CreatedAt = now }, key);
    }
}
