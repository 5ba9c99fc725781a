using System.Security.Cryptography;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Keys;
using Threshold.Protocol.Pairing;

namespace Threshold.Hub.Commands;

/// <summary>
/// Verifies commands against the server keys the hub trusts — those pinned at pairing, or the one a verified
/// <c>rotate_key</c> put in their place (<see cref="ServerKeyRotation"/>) — and nothing else (DESIGN §5); <c>aud</c> must be
/// this hub's id in its one spelling (Protocol's HubIds).
/// </summary>
internal sealed class CommandAuthority : IDisposable
{
    private readonly PairingResponse paired;
    private readonly TimeProvider time;
    private readonly TimeSpan skew;
    private Trusted current;

    public CommandAuthority(PairingResponse identity, TimeProvider time, TimeSpan skew)
    {
        (paired, this.time, this.skew) = (identity, time, skew);
        current = Load(identity.ServerKeys);
    }

    public CommandVerification Verify(string jws) => current.Verifier.Verify(jws);

    /// <summary>Whether <paramref name="kid"/> is the only key trusted now.</summary>
    public bool TrustsOnly(string kid) => current.Kids is [var only] && only == kid;

    /// <summary>Replaces every trusted key by <paramref name="keys"/>: a key dropped here verifies nothing from now on.</summary>
    public void Trust(IReadOnlyList<ServerKey> keys)
    {
        var previous = current;
        current = Load(keys);
        previous.Dispose();
    }

    public void Dispose() => current.Dispose();

    private Trusted Load(IReadOnlyList<ServerKey> keys)
    {
        var trusted = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            trusted[key.Kid] = KeyEncoding.ImportEcdsaPublicSpki(key.Spki);
        }

        return new Trusted(trusted, new CommandVerifier(trusted, paired.Issuer, paired.HubId, time, skew));
    }

    private sealed record Trusted(Dictionary<string, ECDsa> Keys, CommandVerifier Verifier) : IDisposable
    {
        public string[] Kids => [.. Keys.Keys];

        public void Dispose()
        {
            foreach (var key in Keys.Values)
            {
                key.Dispose();
            }
        }
    }
}
