using Microsoft.Extensions.Logging;
using Threshold.Hub.Storage;
using Threshold.Protocol;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Credentials;

namespace Threshold.Hub.Keypad;

/// <summary>
/// The <c>sync_credentials</c> command (docs/hub-protocol.md "Credentials on the hub"): open the set sealed to this hub
/// for that version and read it with Protocol's one validation, store it durably unless it is not newer, then let the
/// keypad loop converge the lock.
/// </summary>
internal sealed partial class CredentialSync(KeypadStore store, KeypadLoop loop, HubRuntime runtime, ILogger<CredentialSync> logger)
{
    /// <summary>Null when the set was stored (its version in <paramref name="version"/>), else the refusal code.</summary>
    public string? Apply(IReadOnlyDictionary<string, string> args, out long version)
    {
        version = 0;
        if (!SyncCredentialsArgs.TryRead(args, out var sync))
        {
            LogBadSet(logger, "args are not {version, set}");
            return ProtocolErrors.Malformed;
        }

        if (!SealedCredentialSet.TryOpen(runtime.SealingKey, runtime.HubId, sync, out var set, out var refused, out var reason))
        {
            if (reason is not null)
            {
                LogBadSet(logger, reason);
            }

            return refused;
        }

        if (store.TryStore(set) == KeypadStore.StoreResult.Stale)
        {
            return ProtocolErrors.StaleVersion;
        }

        version = set.Version;
        LogStored(logger, set.Version, set.Credentials.Count);
        loop.CredentialsChanged();
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Credential set refused as malformed: {Reason}")]
    private static partial void LogBadSet(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Credential set v{Version} stored ({Count} credentials)")]
    private static partial void LogStored(ILogger logger, long version, int count);
}
