using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Threshold.Server.Data;

namespace Threshold.Server.Notifications;

/// <summary>
/// This install's VAPID key pair (RFC 8292), made on first start in the data directory (readable only by the server's
/// user), so push services know every push comes from the same server. The public key is what the web app subscribes
/// with; the private key never leaves the server.
/// </summary>
internal sealed class VapidKeys
{
    public VapidKeys(DataDirectory dataDir)
    {
        var path = Path.Combine(dataDir.Path, "keys", "vapid.pem");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var key = ECDsa.Create();
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

        var parameters = key.ExportParameters(includePrivateParameters: true);
        // Uncompressed point (0x04 || X || Y), base64url: the applicationServerKey browsers expect.
        PublicKey = WebEncoders.Base64UrlEncode([0x04, .. parameters.Q.X!, .. parameters.Q.Y!]);
        PrivateKey = WebEncoders.Base64UrlEncode(parameters.D!);
    }

    public string PublicKey { get; }

    internal string PrivateKey { get; }

    public override string ToString() => $"VapidKeys {{ PublicKey = {PublicKey} }}";
}
