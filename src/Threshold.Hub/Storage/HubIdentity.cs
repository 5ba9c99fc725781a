using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Threshold.Protocol.Pairing;
using Threshold.Protocol.Topics;

namespace Threshold.Hub.Storage;

/// <summary>
/// Files in the data directory: identity.json (what pairing established: the server's <see cref="PairingResponse"/>),
/// signing-key.pem, sealing-key.pem (all 0600), hub.db.
/// </summary>
public static class HubDataDirectory
{
    public const string IdentityFile = "identity.json";
    public const string SigningKeyFile = "signing-key.pem";
    public const string SealingKeyFile = "sealing-key.pem";
    public const string DatabaseFile = "hub.db";

    public static bool IsPaired(string dataDirectory) => File.Exists(Path.Combine(dataDirectory, IdentityFile));

    /// <summary>Writes the keys first and the identity last, so a half-finished pairing never looks paired.</summary>
    public static void Save(string dataDirectory, PairingResponse identity, ECDsa signingKey, ECDiffieHellman sealingKey)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(signingKey);
        ArgumentNullException.ThrowIfNull(sealingKey);
        EnsureDirectory(dataDirectory);
        WritePrivate(Path.Combine(dataDirectory, SigningKeyFile), signingKey.ExportPkcs8PrivateKeyPem());
        WritePrivate(Path.Combine(dataDirectory, SealingKeyFile), sealingKey.ExportPkcs8PrivateKeyPem());
        WritePrivate(Path.Combine(dataDirectory, IdentityFile), Encoding.UTF8.GetString(PairingJson.Write(identity)));
    }

    /// <summary>
    /// Replaces identity.json (after a key rotation: <c>Commands/ServerKeyRotation.cs</c>) by an atomic rename of a fully
    /// written file: a crash leaves either the old identity or the new one, never a half-written one or none.
    /// </summary>
    internal static void SaveIdentity(string dataDirectory, PairingResponse identity)
    {
        if (!IsComplete(identity))
        {
            throw new ArgumentException("An identity must be complete to be stored.", nameof(identity));
        }

        WritePrivate(Path.Combine(dataDirectory, IdentityFile), Encoding.UTF8.GetString(PairingJson.Write(identity)));
    }

    public static PairingResponse LoadIdentity(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, IdentityFile);
        if (!PairingJson.TryRead(File.ReadAllBytes(path), out var identity) || !IsComplete(identity))
        {
            throw new InvalidDataException($"{path} is incomplete; pair the hub again with --force.");
        }

        return identity;
    }

    /// <summary>
    /// Everything the hub needs is there, and the topic prefix is the one <see cref="HubTopics"/> spells for the hub id
    /// (the hub publishes and subscribes under that one; a server answering another would be refused by its own broker).
    /// </summary>
    internal static bool IsComplete([NotNullWhen(true)] PairingResponse? identity) =>
        identity is { Locks: not null, ServerKeys.Count: > 0, Mqtt: { Host.Length: > 0, Username.Length: > 0, Port: >= 1 and <= 65535 } }
        && identity.HubId != Guid.Empty && !string.IsNullOrEmpty(identity.Issuer)
        && identity.Mqtt.TopicPrefix == HubTopics.Prefix(identity.HubId);

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
