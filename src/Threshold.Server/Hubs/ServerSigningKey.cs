using System.Security.Cryptography;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Keys;
using Threshold.Server.Data;

namespace Threshold.Server.Hubs;

/// <summary>
/// The server's command-signing key (ECDSA P-256), created on first start in the data directory and
/// pinned by every hub at pairing. Readable only by the server's user.
/// </summary>
internal sealed class ServerSigningKey
{
    public const string Issuer = "threshold-server";
    private readonly ECDsa key;

    public ServerSigningKey(DataDirectory dataDir)
    {
        var path = Path.Combine(dataDir.Path, "keys", "command-signing.pem");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        key = ECDsa.Create();
        if (File.Exists(path))
        {
            key.ImportFromPem(File.ReadAllText(path));
        }
        else
        {
            key.GenerateKey(ECCurve.NamedCurves.nistP256);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var file = new StreamWriter(path, options);
            file.Write(key.ExportPkcs8PrivateKeyPem());
        }

        PublicSpki = KeyEncoding.ExportPublicSpki(key);
        KeyId = KeyEncoding.KeyId(PublicSpki);
    }

    public string PublicSpki { get; }
    public string KeyId { get; }

    public CommandSigner Signer(TimeProvider time) => new(key, KeyId, Issuer, time);
}
