using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Keys;

namespace Threshold.Protocol.Tests.Commands;

/// <summary>A server key, a hub verifier trusting it, and a fake clock shared by both.</summary>
internal sealed class CommandFixture : IDisposable
{
    public const string Issuer = "https://threshold.test";
    public const string HubId = "hub-1";
    public static readonly TimeSpan Skew = TimeSpan.FromSeconds(5);

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero));

    public ECDsa ServerKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string Kid { get; }

    public CommandSigner Signer { get; }

    public CommandVerifier Verifier { get; }

    public CommandFixture()
    {
        Kid = KeyEncoding.KeyId(KeyEncoding.ExportPublicSpki(ServerKey));
        Signer = new CommandSigner(ServerKey, Kid, Issuer, Time);
        Verifier = new CommandVerifier(new Dictionary<string, ECDsa> { [Kid] = ServerKey }, Issuer, HubId, Time, Skew);
    }

    public long Now => Time.GetUtcNow().ToUnixTimeSeconds();

    public string Header(string alg = "ES256", string typ = "thr-cmd+jwt", string? kid = null) =>
        Jwt.Json(new { alg, kid = kid ?? Kid, typ });

    /// <summary>A valid claim set as a mutable dictionary so tests can drop or bend single claims.</summary>
    public Dictionary<string, object> Claims(long? iat = null, long? nbf = null, long? exp = null)
    {
        var issuedAt = iat ?? Now;
        return new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["aud"] = HubId,
            ["sub"] = "lock-1",
            ["jti"] = "jti-1",
            ["iat"] = issuedAt,
            ["nbf"] = nbf ?? issuedAt,
            ["exp"] = exp ?? issuedAt + 30,
            ["cmd"] = "unlock",
            ["args"] = new Dictionary<string, string>(),
        };
    }

    public string Craft(Dictionary<string, object> claims, string? header = null, ECDsa? key = null) =>
        Jwt.Es256(key ?? ServerKey, header ?? Header(), Jwt.Json(claims));

    public void Dispose() => ServerKey.Dispose();
}
