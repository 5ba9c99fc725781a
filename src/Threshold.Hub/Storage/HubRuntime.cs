using System.Security.Cryptography;
using Threshold.Protocol.Events;
using Threshold.Protocol.Keys;
using Threshold.Protocol.Pairing;

namespace Threshold.Hub.Storage;

/// <summary>The loaded identity and keys for the running hub.</summary>
internal sealed class HubRuntime : IDisposable
{
    private readonly string dataDirectory;

    public HubRuntime(string dataDirectory)
    {
        this.dataDirectory = dataDirectory;
        Identity = HubDataDirectory.LoadIdentity(dataDirectory);
        SigningKey = HubDataDirectory.LoadSigningKey(dataDirectory);
        SigningKeyId = KeyEncoding.KeyId(SigningKey);
        SealingKey = HubDataDirectory.LoadSealingKey(dataDirectory);
        BatchSigner = new BatchSigner(SigningKey, SigningKeyId);
        LockId = Identity.Locks.Count > 0 ? Identity.Locks[0].Id : null;
    }

    /// <summary>What pairing established; its server keys change only through <see cref="TrustOnly"/>.</summary>
    public PairingResponse Identity { get; private set; }

    /// <summary>
    /// From now on the server's commands verify with <paramref name="key"/> alone: stored durably first (identity.json,
    /// replaced atomically), then in memory. Throws when it could not be stored; the hub then trusts what it did before.
    /// </summary>
    public PairingResponse TrustOnly(ServerKey key)
    {
        var next = Identity with { ServerKeys = [key] };
        HubDataDirectory.SaveIdentity(dataDirectory, next);
        Identity = next;
        return next;
    }

    public Guid HubId => Identity.HubId;

    public ECDsa SigningKey { get; }

    public string SigningKeyId { get; }

    /// <summary>The private half of the key the server seals keypad credentials to.</summary>
    public ECDiffieHellman SealingKey { get; }

    public BatchSigner BatchSigner { get; }

    /// <summary>The server's id of the lock this hub drives (the first lock from pairing; the server gives every home one).</summary>
    public Guid? LockId { get; }

    public void Dispose()
    {
        SigningKey.Dispose();
        SealingKey.Dispose();
    }
}
