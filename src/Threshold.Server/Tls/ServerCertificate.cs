using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Threshold.Protocol.Pairing;
using Threshold.Server.Data;

namespace Threshold.Server.Tls;

/// <summary>
/// The certificate the server serves HTTPS and MQTT over TLS with: the operator's (<see cref="TlsOptions.CertificatePath"/>)
/// or a self-signed ECDSA P-256 one made at first start in the data directory (tls/server.crt, tls/server.key mode 0600).
/// Hubs pin its <see cref="Fingerprint"/> from the pairing string, so no CA is needed; replacing it means pairing hubs again.
/// </summary>
internal sealed class ServerCertificate : IDisposable
{
    public const string CertificateFile = "server.crt";
    public const string KeyFile = "server.key";

    public ServerCertificate(DataDirectory dataDir, IOptions<TlsOptions> options, TimeProvider time)
    {
        var o = options.Value;
        if (o.CertificatePath is { Length: > 0 } path)
        {
            Source = Path.GetFullPath(path);
            Certificate = Load(path, o.KeyPath is { Length: > 0 } keyPath ? keyPath : null);
        }
        else
        {
            var dir = System.IO.Path.Combine(dataDir.Path, "tls");
            var certPath = System.IO.Path.Combine(dir, CertificateFile);
            var keyPath = System.IO.Path.Combine(dir, KeyFile);
            if (!File.Exists(certPath) || !File.Exists(keyPath))
            {
                Generate(dir, certPath, keyPath, o.HostNames, time);
            }

            Source = certPath;
            Certificate = Load(certPath, keyPath);
        }

        Fingerprint = Protocol.Pairing.Fingerprint.OfCertificate(Certificate);
    }

    /// <summary>With its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>SHA-256 of the certificate (base64url, as the pairing string and answer carry it).</summary>
    public string Fingerprint { get; }

    /// <summary>The file it came from.</summary>
    public string Source { get; }

    public void Dispose() => Certificate.Dispose();

    private static X509Certificate2 Load(string certPath, string? keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        if (!pem.HasPrivateKey)
        {
            throw new InvalidOperationException($"The TLS certificate {certPath} comes without its private key (set Threshold:Tls:KeyPath).");
        }

        // A PEM-loaded key is ephemeral, which SslStream on Windows cannot use; a PKCS#12 round trip makes it a real one.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private static void Generate(string dir, string certPath, string keyPath, IEnumerable<string> hostNames, TimeProvider time)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dir);
        }
        else
        {
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Threshold server", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        foreach (var name in hostNames.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n.Trim()))
        {
            if (IPAddress.TryParse(name, out var ip))
            {
                names.AddIpAddress(ip);
            }
            else
            {
                names.AddDnsName(name);
            }
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = time.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));

        // The key first, the certificate last: a certificate file means both are there.
        WritePrivate(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
    }

    private static void WritePrivate(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new StreamWriter(path, options))
        {
            file.Write(content);
        }

        if (!OperatingSystem.IsWindows())
        {
            // Mode is applied only when the file is created; an older file keeps its own.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
