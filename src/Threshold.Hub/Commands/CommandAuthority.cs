using System.Security.Cryptography;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Keys;
using Threshold.Protocol.Pairing;

namespace Threshold.Hub.Commands;

/// <summary>
/// Verifies commands against the server keys pinned at pairing, and nothing else (DESIGN §5); <c>aud</c> must be this
/// hub's id in its one spelling (Protocol's HubIds).
/// </summary>
internal sealed class CommandAuthority : IDisposable
{
    private readonly List<ECDsa> keys = [];
    private readonly CommandVerifier verifier;

    public CommandAuthority(PairingResponse identity, TimeProvider time, TimeSpan skew)
    {
        var trusted = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
        foreach (var key in identity.ServerKeys)
        {
            var imported = KeyEncoding.ImportEcdsaPublicSpki(key.Spki);
            keys.Add(imported);
            trusted[key.Kid] = imported;
        }

        verifier = new CommandVerifier(trusted, identity.Issuer, identity.HubId, time, skew);
    }

    public CommandVerification Verify(string jws) => verifier.Verify(jws);

    public void Dispose()
    {
        foreach (var key in keys)
        {
            key.Dispose();
        }
    }
}
