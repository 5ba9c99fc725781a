using System.Diagnostics.CodeAnalysis;

namespace Threshold.Protocol.Pairing;

/// <summary>
/// What the owner hands a hub to pair (docs/hub-protocol.md "Pairing"): <c>thr1:CODE:KEY:CERT</c> — the one-time code,
/// the <see cref="Fingerprint"/> of the server's command-signing key and that of its TLS certificate. It comes over the
/// owner's authenticated session, so a pairing answer that does not carry those two (someone on the path) is refused.
/// </summary>
public sealed record PairingString(string Code, string SigningKeyFingerprint, string CertificateFingerprint)
{
    /// <summary>The version prefix; a later format gets another.</summary>
    public const string Prefix = "thr1";

    /// <summary>A code is 12 letters or digits (lower case read as upper), grouped by dashes that do not count.</summary>
    private const int CodeLength = 12;

    /// <summary>Refusal code of <see cref="Parse"/>.</summary>
    public const string Invalid = "invalid_pairing_string";

    /// <summary>Whether <paramref name="text"/> claims to be a pairing string (rather than a bare code); it may still be malformed.</summary>
    public static bool LooksLikeOne(string text) =>
        text is not null && text.TrimStart().StartsWith(Prefix + ":", StringComparison.OrdinalIgnoreCase);

    public override string ToString() => $"{Prefix}:{Code}:{SigningKeyFingerprint}:{CertificateFingerprint}";

    /// <summary>Formats a string from its parts, checked as <see cref="Parse"/> checks them.</summary>
    public static string Format(string code, string signingKeyFingerprint, string certificateFingerprint) =>
        Parse($"{Prefix}:{code}:{signingKeyFingerprint}:{certificateFingerprint}").ToString();

    public static bool TryParse(string? text, [NotNullWhen(true)] out PairingString? pairing, out string error)
    {
        pairing = null;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "The pairing string is empty.";
            return false;
        }

        var parts = text.Trim().Split(':');
        if (!string.Equals(parts[0], Prefix, StringComparison.OrdinalIgnoreCase))
        {
            error = $"A pairing string starts with '{Prefix}:'; ask the owner for a new one (the app's 'pair a hub').";
            return false;
        }

        if (parts.Length != 4)
        {
            error = $"A pairing string has four parts separated by ':' ({Prefix}:CODE:KEY:CERT), not {parts.Length}; was it copied whole?";
            return false;
        }

        var code = parts[1].ToUpperInvariant();
        var letters = code.Replace("-", "", StringComparison.Ordinal);
        if (letters.Length != CodeLength || !letters.All(char.IsAsciiLetterOrDigit))
        {
            error = $"The code in the pairing string is not {CodeLength} letters and digits.";
            return false;
        }

        if (!Fingerprint.IsWellFormed(parts[2]))
        {
            error = "The signing-key fingerprint in the pairing string is not a SHA-256 fingerprint (43 base64url characters).";
            return false;
        }

        if (!Fingerprint.IsWellFormed(parts[3]))
        {
            error = "The certificate fingerprint in the pairing string is not a SHA-256 fingerprint (43 base64url characters).";
            return false;
        }

        pairing = new PairingString($"{letters[..4]}-{letters[4..8]}-{letters[8..]}", parts[2], parts[3]);
        return true;
    }

    /// <summary>Parses strictly; a malformed string is a <see cref="ProtocolException"/> with code <see cref="Invalid"/> and a message saying what is wrong.</summary>
    public static PairingString Parse(string? text) =>
        TryParse(text, out var pairing, out var error) ? pairing : throw new ProtocolException(Invalid, error);
}
