using Microsoft.AspNetCore.Server.Kestrel.Core;
using Threshold.Protocol.Pairing;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Tls;

/// <summary>
/// HTTPS with the <see cref="ServerCertificate"/> (every https:// address Kestrel listens on), and plain HTTP for loopback
/// clients only unless <see cref="TlsOptions.AllowRemotePlainHttp"/>: the web app needs a secure context, which
/// http://localhost already is, and a password or token sent to another machine must not travel in the clear.
/// </summary>
internal static partial class TlsSetup
{
    /// <summary>Problem code of a plain-HTTP request from another machine.</summary>
    public const string HttpsRequired = "https_required";

    /// <summary>Where a server with no address configured listens: HTTPS everywhere, plain HTTP on loopback.</summary>
    public static readonly string[] DefaultUrls = ["https://*:5001", "http://localhost:5000"];

    public static WebApplicationBuilder AddTls(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TlsOptions>().BindConfiguration(TlsOptions.Section)
            .Validate(o => o.KeyPath is null || o.CertificatePath is not null, "Threshold:Tls:KeyPath needs Threshold:Tls:CertificatePath.")
            .ValidateOnStart();
        builder.Services.AddSingleton<ServerCertificate>();
        builder.Services.AddOptions<KestrelServerOptions>().Configure<ServerCertificate>((kestrel, certificate) =>
            kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate.Certificate));
        builder.Services.AddHostedService<CertificateAnnouncement>();
        var configured = builder.Configuration["urls"] is { Length: > 0 } || builder.Configuration["http_ports"] is { Length: > 0 }
            || builder.Configuration["https_ports"] is { Length: > 0 } || builder.Configuration.GetSection("Kestrel:Endpoints").Exists();
        if (!configured)
        {
            builder.WebHost.UseUrls(DefaultUrls);
        }

        return builder;
    }

    public static WebApplication UsePlainHttpPolicy(this WebApplication app)
    {
        var allowRemote = app.Configuration.GetSection(TlsOptions.Section).Get<TlsOptions>()?.AllowRemotePlainHttp ?? false;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TlsSetup));
        app.Use(async (context, next) =>
        {
            if (!allowRemote && !context.Request.IsHttps && !IsLoopback(context.Connection.RemoteIpAddress))
            {
                LogPlainRefused(logger, context.Connection.RemoteIpAddress?.ToString() ?? "?");
                await Problems.Create(StatusCodes.Status403Forbidden, HttpsRequired, "Plain HTTP is served to this machine only; use https://.")
                    .ExecuteAsync(context);
                return;
            }

            await next(context);
        });
        return app;
    }

    /// <summary>Whether a plain-HTTP request from <paramref name="remote"/> is local (no address: an in-process test server).</summary>
    internal static bool IsLoopback(System.Net.IPAddress? remote) =>
        remote is null || System.Net.IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a plain-HTTP request from {Remote}: plain HTTP is for loopback clients only (Threshold:Tls:AllowRemotePlainHttp)")]
    private static partial void LogPlainRefused(ILogger logger, string remote);
}

/// <summary>Prints the certificate's fingerprint at start, so the operator can compare what a browser or a hub shows.</summary>
internal sealed partial class CertificateAnnouncement(ServerCertificate certificate, ILogger<CertificateAnnouncement> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogCertificate(logger, Fingerprint.ToDisplay(certificate.Fingerprint), certificate.Source, certificate.Certificate.NotAfter);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "TLS certificate SHA-256 {Fingerprint} ({Source}, valid until {NotAfter:yyyy-MM-dd}); hubs pin it at pairing")]
    private static partial void LogCertificate(ILogger logger, string fingerprint, string source, DateTime notAfter);
}
