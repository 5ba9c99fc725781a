using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Threshold.Protocol.Access;

namespace Threshold.Protocol.Commands;

/// <summary>Arguments of <c>unlock</c> and <c>lock</c>: <c>{"reference":"delivery:&lt;id&gt;"}</c>.</summary>
public sealed record DoorCommandArgs(AccessReference Reference)
{
    public const string ReferenceArg = "reference";

    public IReadOnlyDictionary<string, string> ToArgs() =>
        new Dictionary<string, string>(StringComparer.Ordinal) { [ReferenceArg] = Reference.ToString() };

    /// <summary>False when the reference is missing or not one <see cref="AccessReference"/> spells.</summary>
    public static bool TryRead(IReadOnlyDictionary<string, string> args, [NotNullWhen(true)] out DoorCommandArgs? read)
    {
        ArgumentNullException.ThrowIfNull(args);
        read = args.TryGetValue(ReferenceArg, out var text) && AccessReference.TryParse(text, out var reference)
            ? new DoorCommandArgs(reference)
            : null;
        return read is not null;
    }
}

/// <summary>
/// Arguments of <c>sync_credentials</c>: <c>{"version":"&lt;n&gt;","set":"&lt;sealed&gt;"}</c>. The args map holds strings
/// only, so the version is its decimal digits here (in the sealed document it is a JSON number).
/// </summary>
public sealed record SyncCredentialsArgs(long Version, string SealedSet)
{
    public const string VersionArg = "version";
    public const string SetArg = "set";

    public IReadOnlyDictionary<string, string> ToArgs() => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [VersionArg] = Version.ToString(CultureInfo.InvariantCulture),
        [SetArg] = SealedSet,
    };

    /// <summary>False unless the version is ≥ 1 in its canonical decimal spelling (it is bound into the seal) and the set is present.</summary>
    public static bool TryRead(IReadOnlyDictionary<string, string> args, [NotNullWhen(true)] out SyncCredentialsArgs? read)
    {
        ArgumentNullException.ThrowIfNull(args);
        read = args.TryGetValue(VersionArg, out var text)
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version >= 1
            && text == version.ToString(CultureInfo.InvariantCulture)
            && args.TryGetValue(SetArg, out var sealedSet) && sealedSet.Length > 0
                ? new SyncCredentialsArgs(version, sealedSet)
                : null;
        return read is not null;
    }

    public override string ToString() => $"SyncCredentialsArgs {{ Version = {Version} }}";
}
