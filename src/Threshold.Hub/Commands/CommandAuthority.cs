using System.Security.Cryptography;
using Threshold.Hub.Storage;
using Threshold.Protocol;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Keys;

namespace Threshold.Hub.Commands;

/// <summary>Verifies commands against the server keys pinned at pairing, and nothing else (DESIGN §5).</summary>
internal sealed class CommandAuthority : IDisposable
{
    private readonly List<ECDsa> keys = [];
    private readonly CommandVerifier verifier;
    private readonly CommandVerifier? alternateVerifier;

    public CommandAuthority(HubIdentity identity, TimeProvider time, TimeSpan skew)
    {
        var trusted = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
        foreach (var key in identity.ServerKeys)
        {
            var imported = KeyEncoding.ImportEcdsaPublicSpki(key.Spki);
            keys.Add(imported);
            trusted[key.Kid] = imported;
        }

        verifier = new CommandVerifier(trusted, identity.Issuer, identity.HubId, time, skew);
        // The same hub id in the other GUID spelling ("D" vs "N") names the same audience.
        if (Guid.TryParse(identity.HubId, out var hubGuid))
        {
            var other = identity.HubId.Contains('-', StringComparison.Ordinal) ? hubGuid.ToString("N") : hubGuid.ToString("D");
            alternateVerifier = new CommandVerifier(trusted, identity.Issuer, other, time, skew);
        }
    }

    public CommandVerification Verify(string jws)
    {
        var verification = verifier.Verify(jws);
        if (!verification.Ok && verification.Error == ProtocolErrors.WrongAudience && alternateVerifier is not null)
        {
            verification = alternateVerifier.Verify(jws);
        }

        return verification;
    }

    public void Dispose()
    {
        foreach (var key in keys)
        {
            key.Dispose();
        }
    }
}
