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

    public static string ForDoor(bool unlock) => unlock ? Unlock : Lock;
}
