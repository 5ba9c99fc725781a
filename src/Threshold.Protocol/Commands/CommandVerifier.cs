using System.Security.Cryptography;
using System.Text.Json;
using Threshold.Protocol.Jws;
using Threshold.Protocol.Keys;

namespace Threshold.Protocol.Commands;

/// <summary>
/// Hub-side check of a command token. Never throws on bad input; replay (jti) is the caller's job
/// because only the hub's durable seen-set can do it.
/// </summary>
public sealed class CommandVerifier(
    IReadOnlyDictionary<string, ECDsa> trustedKeysByKid,
    string expectedIssuer,
    string hubId,
    TimeProvider time,
    TimeSpan clockSkew)
{
    /// <summary>A verifier for the hub <paramref name="hubId"/>: <c>aud</c> must spell it as <see cref="Topics.HubIds"/> does.</summary>
    public CommandVerifier(
        IReadOnlyDictionary<string, ECDsa> trustedKeysByKid, string expectedIssuer, Guid hubId, TimeProvider time, TimeSpan clockSkew)
        : this(trustedKeysByKid, expectedIssuer, Topics.HubIds.ToWire(hubId), time, clockSkew)
    {
    }

    // Snapshot so a later change to the caller's dictionary cannot slip in an unchecked key.
    private readonly Dictionary<string, ECDsa> _keys = SnapshotKeys(trustedKeysByKid);
    private readonly string _issuer = Guard.NotEmpty(expectedIssuer);
    private readonly string _hubId = Guard.NotEmpty(hubId);
    private readonly TimeProvider _time = Guard.NotNull(time);
    private readonly TimeSpan _skew = clockSkew >= TimeSpan.Zero
        ? clockSkew
        : throw new ArgumentOutOfRangeException(nameof(clockSkew), clockSkew, "Clock skew cannot be negative.");

    public CommandVerification Verify(string compactJws)
    {
        var error = CompactJws.TryParse(compactJws, CommandToken.MaxLength, CommandToken.Type, out var parts);
        if (error is not null || parts is null)
        {
            return CommandVerification.Refused(error ?? ProtocolErrors.Malformed);
        }

        if (parts.KeyId is null)
        {
            return CommandVerification.Refused(ProtocolErrors.Malformed);
        }

        // Only the key pinned under this kid is tried; no fallback to the others.
        if (!_keys.TryGetValue(parts.KeyId, out var key))
        {
            return CommandVerification.Refused(ProtocolErrors.UnknownKid);
        }

        if (!CompactJws.VerifySignature(key, parts))
        {
            return CommandVerification.Refused(ProtocolErrors.BadSignature);
        }

        var claims = ReadClaims(parts.Payload);
        if (claims is null)
        {
            return CommandVerification.Refused(ProtocolErrors.Malformed);
        }

        error = CheckClaims(claims);
        return error is null ? CommandVerification.Accepted(claims) : CommandVerification.Refused(error);
    }

    private string? CheckClaims(CommandClaims claims)
    {
        if (!string.Equals(claims.Issuer, _issuer, StringComparison.Ordinal))
        {
            return ProtocolErrors.WrongIssuer;
        }

        if (!string.Equals(claims.HubId, _hubId, StringComparison.Ordinal))
        {
            return ProtocolErrors.WrongAudience;
        }

        if (claims.ExpiresAt - claims.IssuedAt > CommandToken.MaxLifetime)
        {
            return ProtocolErrors.LifetimeTooLong;
        }

        var now = _time.GetUtcNow();
        if (now >= claims.ExpiresAt + _skew)
        {
            return ProtocolErrors.Expired;
        }

        // iat is checked too: a future iat with an early nbf would otherwise stretch the 60 s window.
        if (claims.NotBefore > now + _skew || claims.IssuedAt > now + _skew)
        {
            return ProtocolErrors.NotYetValid;
        }

        return null;
    }

    private static CommandClaims? ReadClaims(byte[] payload)
    {
        try
        {
            using var doc = JsonDocument.Parse(payload);
            var root = doc.RootElement;
            if (!Json.IsObjectWithUniqueNames(root)
                || !Json.TryGetNonEmptyString(root, "iss", out var iss)
                || !Json.TryGetNonEmptyString(root, "aud", out var aud)
                || !Json.TryGetNonEmptyString(root, "sub", out var sub)
                || !Json.TryGetNonEmptyString(root, "jti", out var jti)
                || !Json.TryGetNonEmptyString(root, "cmd", out var cmd)
                || !UnixTime.TryGet(root, "iat", out var iat)
                || !UnixTime.TryGet(root, "nbf", out var nbf)
                || !UnixTime.TryGet(root, "exp", out var exp)
                || exp <= iat
                || !root.TryGetProperty("args", out var argsElement)
                || !TryReadArgs(argsElement, out var args))
            {
                return null;
            }

            return new CommandClaims(
                iss, aud, sub, jti, UnixTime.ToDate(iat), UnixTime.ToDate(nbf), UnixTime.ToDate(exp), cmd, args);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool TryReadArgs(JsonElement element, out IReadOnlyDictionary<string, string> args)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        args = result;
        if (!Json.IsObjectWithUniqueNames(element))
        {
            return false;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            result[property.Name] = property.Value.GetString()!;
        }

        return true;
    }

    private static Dictionary<string, ECDsa> SnapshotKeys(IReadOnlyDictionary<string, ECDsa> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var copy = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
        foreach (var (kid, key) in keys)
        {
            ArgumentException.ThrowIfNullOrEmpty(kid, nameof(keys));
            copy[kid] = Guard.P256(key, nameof(keys));
        }

        return copy;
    }
}
