using System.Security.Cryptography;
using System.Text.Json;
using Threshold.Protocol.Jws;

namespace Threshold.Protocol.Commands;

/// <summary>Signs short-lived ES256 command tokens (server → hub).</summary>
public sealed class CommandSigner(ECDsa privateKey, string keyId, string issuer, TimeProvider time)
{
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromSeconds(30);

    private readonly ECDsa _privateKey = Guard.P256(privateKey);
    private readonly string _keyId = Guard.NotEmpty(keyId);
    private readonly string _issuer = Guard.NotEmpty(issuer);
    private readonly TimeProvider _time = Guard.NotNull(time);

    /// <summary>A command for one lock of one hub, both ids in their one spelling (<see cref="Topics.HubIds"/>).</summary>
    public string Sign(
        Guid hubId,
        Guid lockId,
        string command,
        IReadOnlyDictionary<string, string>? args = null,
        TimeSpan? lifetime = null,
        string? jti = null) =>
        Sign(Topics.HubIds.ToWire(hubId), lockId.ToString("D"), command, args, lifetime, jti);

    public string Sign(
        string hubId,
        string deviceId,
        string command,
        IReadOnlyDictionary<string, string>? args = null,
        TimeSpan? lifetime = null,
        string? jti = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(hubId);
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        ArgumentException.ThrowIfNullOrEmpty(command);
        if (jti is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(jti);
        }

        var life = lifetime ?? DefaultLifetime;
        if (life <= TimeSpan.Zero || life > CommandToken.MaxLifetime)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), life, "Command lifetime must be in (0, 60] seconds.");
        }

        // Whole seconds on the wire; rounding the lifetime up still stays within the 60 s cap.
        var issuedAt = _time.GetUtcNow().ToUnixTimeSeconds();
        var expiresAt = issuedAt + (long)Math.Ceiling(life.TotalSeconds);

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("iss", _issuer);
            writer.WriteString("aud", hubId);
            writer.WriteString("sub", deviceId);
            writer.WriteString("jti", jti ?? Json.NewRandomId());
            writer.WriteNumber("iat", issuedAt);
            writer.WriteNumber("nbf", issuedAt);
            writer.WriteNumber("exp", expiresAt);
            writer.WriteString("cmd", command);
            writer.WriteStartObject("args");
            foreach (var (name, value) in args ?? new Dictionary<string, string>())
            {
                // A null value would be refused by every verifier; fail here where the bug is.
                ArgumentNullException.ThrowIfNull(value, nameof(args));
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return CompactJws.Sign(_privateKey, _keyId, CommandToken.Type, stream.ToArray());
    }
}
