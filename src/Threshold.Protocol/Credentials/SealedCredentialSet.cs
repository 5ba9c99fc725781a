using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Sealing;

namespace Threshold.Protocol.Credentials;

/// <summary>A credential set sealed to one hub's key, bound to that hub and version, as <c>sync_credentials</c> carries it.</summary>
public static class SealedCredentialSet
{
    /// <summary>Validates, writes and seals the set; the plaintext (codes) is wiped before returning.</summary>
    public static SyncCredentialsArgs Seal(ECDiffieHellman hubSealingKey, Guid hubId, CredentialSetDocument set)
    {
        ArgumentNullException.ThrowIfNull(hubSealingKey);
        var plaintext = CredentialSetJson.Write(set);
        try
        {
            return new SyncCredentialsArgs(set.Version, Sealer.Seal(hubSealingKey, plaintext, SealBindings.CredentialSet(hubId, set.Version)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>
    /// Opens and reads a set; false with a refusal code (<c>seal_invalid</c> or <c>malformed</c>) and, for a malformed
    /// one, a reason without codes. The set's own version must be the one it was sealed for.
    /// </summary>
    public static bool TryOpen(
        ECDiffieHellman hubPrivateKey, Guid hubId, SyncCredentialsArgs args,
        [NotNullWhen(true)] out CredentialSetDocument? set, [NotNullWhen(false)] out string? code, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(hubPrivateKey);
        ArgumentNullException.ThrowIfNull(args);
        set = null;
        reason = null;
        byte[] plaintext;
        try
        {
            plaintext = Sealer.Open(hubPrivateKey, args.SealedSet, SealBindings.CredentialSet(hubId, args.Version));
        }
        catch (ProtocolException)
        {
            code = ProtocolErrors.SealInvalid;
            return false;
        }

        try
        {
            if (!CredentialSetJson.TryRead(plaintext, out var read, out reason))
            {
                code = ProtocolErrors.Malformed;
                return false;
            }

            if (read.Version != args.Version)
            {
                (code, reason) = (ProtocolErrors.Malformed, "version: differs from the command's version");
                return false;
            }

            (set, code) = (read, null);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}
