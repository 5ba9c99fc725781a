namespace Threshold.Protocol.Commands;

/// <summary>The <c>cmd</c> claim of a command token (docs/hub-protocol.md "Commands").</summary>
public static class CommandNames
{
    /// <summary>Unlock the lock named by <c>sub</c>; args <see cref="DoorCommandArgs"/>.</summary>
    public const string Unlock = "unlock";

    /// <summary>Lock the lock named by <c>sub</c>; args <see cref="DoorCommandArgs"/>.</summary>
    public const string Lock = "lock";

    /// <summary>Replace the hub's whole credential set; args <see cref="SyncCredentialsArgs"/>.</summary>
    public const string SyncCredentials = "sync_credentials";

    /// <summary>
    /// Trust the server's new command-signing key instead of every key trusted so far; args <see cref="RotateKeyArgs"/>.
    /// Accepted only when signed by a key the hub trusts now (docs/hub-protocol.md "Key rotation").
    /// </summary>
    public const string RotateKey = "rotate_key";

    public static string ForDoor(bool unlock) => unlock ? Unlock : Lock;
}
