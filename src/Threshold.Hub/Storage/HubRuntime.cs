using System.Security.Cryptography;
using Threshold.Protocol.Events;
using Threshold.Protocol.Keys;

namespace Threshold.Hub.Storage;

/// <summary>The loaded identity and keys for the running hub.</summary>
internal sealed class HubRuntime : IDisposable
{
    public HubRuntime(string dataDirectory)
    {
        Identity = HubDataDirectory.LoadIdentity(dataDirectory);
        SigningKey = HubDataDirectory.LoadSigningKey(dataDirectory);
        SigningKeyId = KeyEncoding.KeyId(SigningKey);
        SealingKey = HubDataDirectory.LoadSealingKey(dataDirectory);
        BatchSigner = new BatchSigner(SigningKey, SigningKeyId);
        var prefix = Identity.Mqtt.TopicPrefix;
        TopicPrefix = prefix.EndsWith('/') ? prefix : prefix + "/";
        LockId = Identity.Locks.Count > 0 ? Identity.Locks[0].Id : null;
    }

    public HubIdentity Identity { get; }

    public ECDsa SigningKey { get; }

    public string SigningKeyId { get; }

    /// <summary>The private half of the key the server seals keypad credentials to.</summary>
    public ECDiffieHellman SealingKey { get; }

    public BatchSigner BatchSigner { get; }

    public string TopicPrefix { get; }

    /// <summary>The server's id of the lock this hub drives (the first lock from pairing).</summary>
    public string? LockId { get; }

    public void Dispose()
    {
        SigningKey.Dispose();
        SealingKey.Dispose();
    }
}
