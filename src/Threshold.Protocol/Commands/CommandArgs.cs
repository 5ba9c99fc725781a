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

/// <summary>
/// Arguments of <c>rotate_key</c>: <c>{"kid":"&lt;kid&gt;","spki":"&lt;SPKI base64, ECDSA P-256&gt;"}</c> — the server's new
/// command-signing key. The kid must be the one <see cref="Keys.KeyEncoding.KeyId(string)"/> derives from the key, so a
/// kid can never name a second key.
/// </summary>
public sealed record RotateKeyArgs(string Kid, string Spki)
{
    public const string KidArg = "kid";
    public const string SpkiArg = "spki";

    public IReadOnlyDictionary<string, string> ToArgs() => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [KidArg] = Kid,
        [SpkiArg] = Spki,
    };

    /// <summary>False unless the key is a P-256 public key and the kid is the one derived from it.</summary>
    public static bool TryRead(IReadOnlyDictionary<string, string> args, [NotNullWhen(true)] out RotateKeyArgs? read)
    {
        ArgumentNullException.ThrowIfNull(args);
        read = null;
        if (!args.TryGetValue(KidArg, out var kid) || !args.TryGetValue(SpkiArg, out var spki) || kid.Length == 0)
        {
            return false;
        }

        try
        {
            using var key = Keys.KeyEncoding.ImportEcdsaPublicSpki(spki);
            read = Keys.KeyEncoding.KeyId(spki) == kid ? new RotateKeyArgs(kid, spki) : null;
        }
        catch (ProtocolException)
        {
            read = null;
        }

        return read is not null;
    }
}
