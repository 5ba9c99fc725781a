namespace Threshold.Protocol.Commands;

/// <summary>The verified contents of a command token (server → hub).</summary>
public sealed record CommandClaims(
    string Issuer,
    string HubId,
    string DeviceId,
    string Jti,
    DateTimeOffset IssuedAt,
    DateTimeOffset NotBefore,
    DateTimeOffset ExpiresAt,
    string Command,
    IReadOnlyDictionary<string, string> Args);

/// <summary>Outcome of <see cref="CommandVerifier.Verify"/>: either <see cref="Claims"/> or an <see cref="Error"/> code.</summary>
public sealed record CommandVerification(bool Ok, string? Error, CommandClaims? Claims)
{
    internal static CommandVerification Refused(string error) => new(false, error, null);

    internal static CommandVerification Accepted(CommandClaims claims) => new(true, null, claims);
}

internal static class CommandToken
{
    public const string Type = "thr-cmd+jwt";

    /// <summary>DESIGN §5: a command lives at most 60 s.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromSeconds(60);

    public const int MaxLength = 16 * 1024;
}
