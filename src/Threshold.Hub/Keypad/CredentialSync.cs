using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Threshold.Hub.Storage;
using Threshold.Protocol;
using Threshold.Protocol.Sealing;

namespace Threshold.Hub.Keypad;

/// <summary>
/// The <c>sync_credentials</c> command (docs/hub-protocol.md "Credentials on the hub"): open the set sealed to this hub
/// for that version, check it, store it durably unless it is not newer, then let the keypad loop converge the lock.
/// </summary>
internal sealed partial class CredentialSync(KeypadStore store, KeypadLoop loop, HubRuntime runtime, ILogger<CredentialSync> logger)
{
    public const string StaleVersion = "stale_version";

    /// <summary>Null when the set was stored (its version in <paramref name="version"/>), else the refusal code.</summary>
    public string? Apply(IReadOnlyDictionary<string, string> args, out long version)
    {
        version = 0;
        if (!args.TryGetValue("version", out var versionText)
            || !long.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out version) || version < 1
            || !args.TryGetValue("set", out var sealedSet))
        {
            LogBadSet(logger, "args are not {version, set}");
            return ProtocolErrors.Malformed;
        }

        byte[] plaintext;
        try
        {
            var ad = Encoding.UTF8.GetBytes("thr-credentials/" + runtime.Identity.HubId + "/" + versionText);
            plaintext = Sealer.Open(runtime.SealingKey, sealedSet, ad);
        }
        catch (ProtocolException)
        {
            return ProtocolErrors.SealInvalid;
        }

        try
        {
            var set = CredentialSet.Parse(plaintext, out var why);
            if (set is null || set.Version != version)
            {
                LogBadSet(logger, why ?? "version differs from args.version");
                return ProtocolErrors.Malformed;
            }

            if (store.TryStore(set, plaintext) == KeypadStore.StoreResult.Stale)
            {
                return StaleVersion;
            }

            LogStored(logger, set.Version, set.Credentials.Count);
            loop.CredentialsChanged();
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Credential set refused as malformed: {Reason}")]
    private static partial void LogBadSet(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Credential set v{Version} stored ({Count} credentials)")]
    private static partial void LogStored(ILogger logger, long version, int count);
}
