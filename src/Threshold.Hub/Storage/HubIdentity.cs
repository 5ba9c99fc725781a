using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Threshold.Hub.Storage;

/// <summary>A lock the server told the hub about at pairing.</summary>
public sealed record PairedLock(string Id, string Name);

/// <summary>A pinned command-signing key of the server.</summary>
public sealed record ServerKey(string Kid, string Spki);

/// <summary>The server broker and this hub's own credentials.</summary>
public sealed record HubMqttSettings(string Host, int Port, string Username, string Password, string TopicPrefix);

/// <summary>What pairing established: stored as identity.json in the data directory (mode 0600).</summary>
public sealed record HubIdentity(
    string HubId,
    string HomeId,
    IReadOnlyList<PairedLock> Locks,
    string TimeZone,
    string Issuer,
    IReadOnlyList<ServerKey> ServerKeys,
    HubMqttSettings Mqtt);

/// <summary>Files in the data directory: identity.json, signing-key.pem, sealing-key.pem (all 0600), hub.db.</summary>
public static class HubDataDirectory
{
    public const string IdentityFile = "identity.json";
    public const string SigningKeyFile = "signing-key.pem";
    public const string SealingKeyFile = "sealing-key.pem";
    public const string DatabaseFile = "hub.db";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static bool IsPaired(string dataDirectory) => File.Exists(Path.Combine(dataDirectory, IdentityFile));

    /// <summary>Writes the keys first and the identity last, so a half-finished pairing never looks paired.</summary>
    public static void Save(string dataDirectory, HubIdentity identity, ECDsa signingKey, ECDiffieHellman sealingKey)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(signingKey);
        ArgumentNullException.ThrowIfNull(sealingKey);
        EnsureDirectory(dataDirectory);
        WritePrivate(Path.Combine(dataDirectory, SigningKeyFile), signingKey.ExportPkcs8PrivateKeyPem());
        WritePrivate(Path.Combine(dataDirectory, SealingKeyFile), sealingKey.ExportPkcs8PrivateKeyPem());
        WritePrivate(Path.Combine(dataDirectory, IdentityFile), JsonSerializer.Serialize(identity, Json));
    }

    public static HubIdentity LoadIdentity(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, IdentityFile);
        var identity = JsonSerializer.Deserialize<HubIdentity>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"{path} is empty.");
        if (string.IsNullOrEmpty(identity.HubId) || string.IsNullOrEmpty(identity.Issuer) || identity.Mqtt is null
            || identity.ServerKeys is null || identity.ServerKeys.Count == 0 || identity.Locks is null)
        {
            throw new InvalidDataException($"{path} is incomplete; pair the hub again with --force.");
        }

        return identity;
    }

    public static ECDsa LoadSigningKey(string dataDirectory)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(Path.Combine(dataDirectory, SigningKeyFile)));
        return key;
    }

    public static ECDiffieHellman LoadSealingKey(string dataDirectory)
    {
        var key = ECDiffieHellman.Create();
        key.ImportFromPem(File.ReadAllText(Path.Combine(dataDirectory, SealingKeyFile)));
        return key;
    }

    internal static void EnsureDirectory(string dataDirectory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dataDirectory);
        }
        else
        {
            Directory.CreateDirectory(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Atomic replace of a file readable only by its owner.</summary>
    internal static void WritePrivate(string path, string content)
    {
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Options = FileOptions.WriteThrough };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path, overwrite: true);
    }
}
