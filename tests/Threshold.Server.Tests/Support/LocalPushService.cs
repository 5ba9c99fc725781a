using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Threshold.Server.Tests.Support;

/// <summary>
/// A push service on loopback standing in for a browser vendor's (no internet in tests). It checks every request as a
/// real one would — a VAPID JWT (RFC 8292) signed by the key the request names, for this service's origin, not expired —
/// and each <see cref="Device"/> decrypts its aes128gcm payload (RFC 8291) with its own private key, so a test sees
/// exactly what a phone would show.
/// </summary>
public sealed class LocalPushService : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, Device> devices = new();

    private LocalPushService(WebApplication app) => this.app = app;

    public string Origin { get; private set; } = "";

    public static async Task<LocalPushService> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var service = new LocalPushService(app);
        app.MapPost("/push/{id}", service.ReceiveAsync);
        await app.StartAsync();
        service.Origin = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return service;
    }

    public Device NewDevice()
    {
        var device = new Device(this, Guid.NewGuid().ToString("N"));
        devices[device.Id] = device;
        return device;
    }

    private async Task<IResult> ReceiveAsync(string id, HttpRequest request)
    {
        if (!devices.TryGetValue(id, out var device))
        {
            return Results.StatusCode(StatusCodes.Status410Gone);
        }

        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        var received = new Received(request.Headers.Authorization.ToString(), request.Headers["TTL"].ToString(), request.Headers["Urgency"].ToString(),
            request.Headers.ContentEncoding.ToString(), body.ToArray());
        return Results.StatusCode(device.Accept(received));
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();

    public sealed record Received(string Authorization, string Ttl, string Urgency, string ContentEncoding, byte[] Body)
    {
        /// <summary>The status this service answered: only a 2xx reached the phone.</summary>
        public int Status { get; init; }

        public bool Accepted => Status is >= 200 and < 300;
    }

    /// <summary>One browser: its subscription keys, what it received, and the status it answers with next.</summary>
    public sealed class Device(LocalPushService service, string id)
    {
        private readonly ECDiffieHellman key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        private readonly byte[] authSecret = RandomNumberGenerator.GetBytes(16);
        private readonly ConcurrentQueue<int> answers = new();

        public string Id => id;

        public string Endpoint => $"{service.Origin}/push/{id}";

        public ConcurrentQueue<Received> Requests { get; } = new();

        public Signal Changed { get; } = new();

        public object Subscription => new { endpoint = Endpoint, keys = new { p256dh = WebEncoders.Base64UrlEncode(PublicPoint(key)), auth = WebEncoders.Base64UrlEncode(authSecret) } };

        /// <summary>The next requests are answered with these statuses (then 201 again).</summary>
        public void AnswerNext(params int[] statuses) => Array.ForEach(statuses, answers.Enqueue);

        /// <summary>The notifications shown: every accepted request, its VAPID checked, decrypted.</summary>
        public List<JsonElement> Shown(string vapidPublicKey) =>
            Requests.Where(r => r.Accepted).Select(r => Open(r, vapidPublicKey)).ToList();

        internal int Accept(Received received)
        {
            var status = answers.TryDequeue(out var next) ? next : StatusCodes.Status201Created;
            Requests.Enqueue(received with { Status = status });
            Changed.Pulse();
            return status;
        }

        private JsonElement Open(Received r, string vapidPublicKey)
        {
            VerifyVapid(r.Authorization, service.Origin, vapidPublicKey);
            Assert.Equal("aes128gcm", r.ContentEncoding);
            return JsonSerializer.Deserialize<JsonElement>(Decrypt(r.Body));
        }

        /// <summary>RFC 8291 §3–4 and RFC 8188: one record, the sender's key in the header.</summary>
        public byte[] Decrypt(byte[] body)
        {
            var salt = body[..16];
            var idLength = body[20];
            var senderPoint = body[21..(21 + idLength)];
            var cipher = body[(21 + idLength)..];
            using var sender = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = senderPoint[1..33], Y = senderPoint[33..] },
            });
            var shared = key.DeriveRawSecretAgreement(sender.PublicKey);
            var keyInfo = Encoding.ASCII.GetBytes("WebPush: info\0").Concat(PublicPoint(key)).Concat(senderPoint).ToArray();
            var ikm = HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 32, authSecret, keyInfo);
            var cek = HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 16, salt, Encoding.ASCII.GetBytes("Content-Encoding: aes128gcm\0"));
            var nonce = HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 12, salt, Encoding.ASCII.GetBytes("Content-Encoding: nonce\0"));
            var plain = new byte[cipher.Length - 16];
            using var gcm = new AesGcm(cek, 16);
            gcm.Decrypt(nonce, cipher[..^16], cipher[^16..], plain);
            // The last record ends with the delimiter 0x02, then zero padding.
            var end = Array.LastIndexOf(plain, (byte)0x02);
            Assert.True(end >= 0, "no padding delimiter");
            return plain[..end];
        }

        private static byte[] PublicPoint(ECDiffieHellman k)
        {
            var q = k.ExportParameters(false).Q;
            return [0x04, .. q.X!, .. q.Y!];
        }

        /// <summary>RFC 8292: <c>vapid t=JWT, k=key</c>; ES256 by <c>k</c>, which must be the server's key, for our origin.</summary>
        private static void VerifyVapid(string authorization, string origin, string vapidPublicKey)
        {
            Assert.StartsWith("vapid ", authorization, StringComparison.Ordinal);
            var parts = authorization["vapid ".Length..].Split(',', StringSplitOptions.TrimEntries)
                .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            Assert.Equal(vapidPublicKey, parts["k"]);
            var jwt = parts["t"].Split('.');
            var point = WebEncoders.Base64UrlDecode(parts["k"]);
            using var verifier = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = point[1..33], Y = point[33..] },
            });
            Assert.True(verifier.VerifyData(Encoding.ASCII.GetBytes(jwt[0] + "." + jwt[1]), WebEncoders.Base64UrlDecode(jwt[2]), HashAlgorithmName.SHA256),
                "VAPID signature");
            var header = JsonSerializer.Deserialize<JsonElement>(WebEncoders.Base64UrlDecode(jwt[0]));
            Assert.Equal("ES256", header.GetProperty("alg").GetString());
            var claims = JsonSerializer.Deserialize<JsonElement>(WebEncoders.Base64UrlDecode(jwt[1]));
            // Lib.Net.Http.WebPush writes the origin without its port. Every real push service listens on 443, where that
            // is the whole origin; this one runs on a free port, so only scheme and host can be compared.
            var expected = new Uri(origin);
            Assert.Equal($"{expected.Scheme}://{expected.Host}", claims.GetProperty("aud").GetString());
            var exp = DateTimeOffset.FromUnixTimeSeconds(claims.GetProperty("exp").GetInt64());
            Assert.InRange(exp, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(24));
            Assert.False(string.IsNullOrEmpty(claims.GetProperty("sub").GetString()));
        }
    }
}
