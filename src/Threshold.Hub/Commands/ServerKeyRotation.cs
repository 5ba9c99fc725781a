using Microsoft.Extensions.Logging;
using Threshold.Hub.Storage;
using Threshold.Protocol;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Pairing;

namespace Threshold.Hub.Commands;

/// <summary>
/// The <c>rotate_key</c> command (docs/hub-protocol.md "Key rotation"): the hub learns the server's new command-signing
/// key only from a command that verified with a key it trusts now (<see cref="CommandAuthority"/>), stores it durably
/// (identity.json, replaced atomically) and from then on trusts that key alone. The old key is dropped at once, with no
/// grace period: rotating is what an operator does when a key may be compromised, and the server keeps signing with the
/// old key only until this hub has accepted the new one, so nothing it sends needs the old key afterwards.
/// </summary>
internal sealed partial class ServerKeyRotation(HubRuntime runtime, ILogger<ServerKeyRotation> logger)
{
    /// <summary>Null when the hub trusts the new key alone now (also when it already did), else the refusal code.</summary>
    public string? Apply(CommandAuthority authority, IReadOnlyDictionary<string, string> args)
    {
        if (!RotateKeyArgs.TryRead(args, out var rotate))
        {
            LogRefused(logger, "args are not {kid, spki} of one P-256 key");
            return ProtocolErrors.Malformed;
        }

        // Repeated after the hub stored the key but before the server heard so (signed with the new key then): done already.
        if (authority.TrustsOnly(rotate.Kid))
        {
            return null;
        }

        PairingResponse stored;
        try
        {
            stored = runtime.TrustOnly(new ServerKey(rotate.Kid, rotate.Spki));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogNotStored(logger, e.Message);
            return ProtocolErrors.KeyNotStored;
        }

        authority.Trust(stored.ServerKeys);
        LogRotated(logger, rotate.Kid);
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Key rotation refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Key rotation could not be stored; the hub keeps trusting its current key: {Error}")]
    private static partial void LogNotStored(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The server's command key is now {Kid}; every other key is dropped")]
    private static partial void LogRotated(ILogger logger, string kid);
}
