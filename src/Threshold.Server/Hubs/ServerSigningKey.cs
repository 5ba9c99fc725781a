using System.Collections.Immutable;
using System.Security.Cryptography;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Keys;
using Threshold.Server.Data;

namespace Threshold.Server.Hubs;

/// <summary>
/// The server's command-signing keys (ECDSA P-256) in the data directory, readable only by the server's user:
/// <c>keys/command-signing.pem</c> is the current key, created on first start, which every new pairing pins
/// (<see cref="PublicSpki"/>, <see cref="KeyId"/>); <c>keys/command-signing-retired/{kid}.pem</c> are keys from before a
/// rotation, kept only while some hub still trusts them (each hub's commands are signed with the key it trusts:
/// <see cref="SignerFor"/>; <c>Hubs/KeyRotation.cs</c> moves hubs on and calls <see cref="Retire"/>).
/// </summary>
internal sealed class ServerSigningKey : IDisposable
{
    public const string Issuer = "threshold-server";
    private readonly string currentPath;
    private readonly string retiredDirectory;
    private readonly Lock gate = new();
    private volatile Ring ring;

    public ServerSigningKey(DataDirectory dataDir)
    {
        var keys = Path.Combine(dataDir.Path, "keys");
        currentPath = Path.Combine(keys, "command-signing.pem");
        retiredDirectory = Path.Combine(keys, "command-signing-retired");
        Directory.CreateDirectory(keys);
        if (!File.Exists(currentPath))
        {
            using var first = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            WritePrivate(currentPath, first.ExportPkcs8PrivateKeyPem(), createNew: true);
        }

        ring = Load();
    }

    /// <summary>The current key, the one a new pairing pins.</summary>
    public string PublicSpki => ring.Current.Spki;

    /// <summary>The kid of <see cref="PublicSpki"/>.</summary>
    public string KeyId => ring.Current.Kid;

    /// <summary>Every key this server holds: the current one first, then the retired ones.</summary>
    public IReadOnlyList<string> Kids => [ring.Current.Kid, .. ring.Retired.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Signs with the current key.</summary>
    public CommandSigner Signer(TimeProvider time) => ring.Current.Signer(time);

    /// <summary>
    /// Signs with the key <paramref name="kid"/> (what a hub trusts; empty for a hub paired before rotation existed, which
    /// pinned the current key); null when this server no longer holds it. A kid not loaded is looked for on disk once,
    /// so a rotation made by the operator command while the server runs is found.
    /// </summary>
    public CommandSigner? SignerFor(string kid, TimeProvider time) => Find(kid)?.Signer(time);

    /// <summary>The public key (SPKI, base64) of <paramref name="kid"/>; null when this server does not hold it.</summary>
    public string? PublicSpkiOf(string kid) => Find(kid)?.Spki;

    /// <summary>
    /// Makes a new current key and returns its kid. The previous one is written to the retired keys before the new one
    /// replaces it (each file by an atomic rename), so a crash leaves the old key current or both keys on disk.
    /// </summary>
    public string Rotate()
    {
        lock (gate)
        {
            var old = ring.Current;
            Directory.CreateDirectory(retiredDirectory);
            WritePrivate(RetiredPath(old.Kid), old.Private.ExportPkcs8PrivateKeyPem(), createNew: false);
            using var next = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            WritePrivate(currentPath, next.ExportPkcs8PrivateKeyPem(), createNew: false);
            Replace(Load());
            return ring.Current.Kid;
        }
    }

    /// <summary>Deletes every retired key not in <paramref name="stillTrusted"/>: a key no hub trusts signs nothing again.</summary>
    public void Retire(IReadOnlySet<string> stillTrusted)
    {
        lock (gate)
        {
            var now = ring;
            foreach (var kid in now.Retired.Keys.Where(k => !stillTrusted.Contains(k)))
            {
                File.Delete(RetiredPath(kid));
            }

            Replace(now with { Retired = now.Retired.RemoveRange(now.Retired.Keys.Where(k => !stillTrusted.Contains(k))) });
        }
    }

    public void Dispose()
    {
        ring.Dispose();
    }

    private Key? Find(string kid)
    {
        var now = ring;
        if (kid.Length == 0 || kid == now.Current.Kid)
        {
            return now.Current;
        }

        if (now.Retired.TryGetValue(kid, out var key))
        {
            return key;
        }

        lock (gate)
        {
            if (ring.Current.Kid != kid && !ring.Retired.ContainsKey(kid))
            {
                Replace(Load());
            }

            return ring.Current.Kid == kid ? ring.Current : ring.Retired.GetValueOrDefault(kid);
        }
    }

    // Old rings are not disposed while the server runs: a signer handed out a moment ago may still be using its key.
    private void Replace(Ring next) => ring = next;

    private Ring Load()
    {
        var current = Key.FromPem(File.ReadAllText(currentPath));
        var retired = ImmutableDictionary.CreateBuilder<string, Key>(StringComparer.Ordinal);
        if (Directory.Exists(retiredDirectory))
        {
            foreach (var file in Directory.EnumerateFiles(retiredDirectory, "*.pem"))
            {
                var key = Key.FromPem(File.ReadAllText(file));
                if (key.Kid != current.Kid)
                {
                    retired[key.Kid] = key;
                }
            }
        }

        return new Ring(current, retired.ToImmutable());
    }

    private string RetiredPath(string kid) => Path.Combine(retiredDirectory, kid + ".pem");

    /// <summary>A key file readable only by the server's user, complete on disk before it takes the name.</summary>
    private static void WritePrivate(string path, string pem, bool createNew)
    {
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Options = FileOptions.WriteThrough };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new StreamWriter(temp, options))
        {
            file.Write(pem);
        }

        if (createNew)
        {
            // Two servers starting on one empty data directory must not each pin a key of their own.
            File.Move(temp, path, overwrite: false);
        }
        else
        {
            File.Move(temp, path, overwrite: true);
        }
    }

    private sealed record Ring(Key Current, ImmutableDictionary<string, Key> Retired) : IDisposable
    {
        public void Dispose()
        {
            Current.Dispose();
            foreach (var key in Retired.Values)
            {
                key.Dispose();
            }
        }
    }

    private sealed record Key(ECDsa Private, string Kid, string Spki) : IDisposable
    {
        public static Key FromPem(string pem)
        {
            var key = ECDsa.Create();
            key.ImportFromPem(pem);
            var spki = KeyEncoding.ExportPublicSpki(key);
            return new Key(key, KeyEncoding.KeyId(spki), spki);
        }

        public CommandSigner Signer(TimeProvider time) => new(Private, Kid, Issuer, time);

        public void Dispose() => Private.Dispose();
    }
}
