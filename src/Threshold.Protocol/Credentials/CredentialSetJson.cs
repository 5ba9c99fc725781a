using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Threshold.Domain;
using Threshold.Domain.Grants;
using Threshold.Domain.Schedules;
using Threshold.Protocol.Wire;

namespace Threshold.Protocol.Credentials;

/// <summary>
/// Reads and writes the credential set, with its one validation: codes are 4–8 digits, ids and codes unique, kinds
/// known, at most 29 credentials, a known time zone, sane keypad limits, and every schedule a valid domain schedule.
/// A reason names the field at fault and never contains a code.
/// </summary>
public static class CredentialSetJson
{
    /// <summary>The document as UTF-8 JSON; throws <see cref="ProtocolException"/> (malformed) rather than write one a hub must refuse.</summary>
    public static byte[] Write(CredentialSetDocument set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return Validate(set) is { } error
            ? throw new ProtocolException(ProtocolErrors.Malformed, "Credential set refused: " + error)
            : JsonSerializer.SerializeToUtf8Bytes(set, CredentialsJson.Default.CredentialSetDocument);
    }

    public static bool TryRead(ReadOnlySpan<byte> json, [NotNullWhen(true)] out CredentialSetDocument? set, [NotNullWhen(false)] out string? error)
    {
        set = null;
        try
        {
            set = JsonSerializer.Deserialize(json, CredentialsJson.Default.CredentialSetDocument);
            error = set is null ? "not an object" : Validate(set);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            error = WireErrors.Describe(e);
        }

        if (error is not null)
        {
            set = null;
            return false;
        }

        return set is not null;
    }

    /// <summary>Null when the set may be sent and stored; otherwise the first reason it may not.</summary>
    public static string? Validate(CredentialSetDocument set)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (set.Version < 1)
        {
            return "version: a number ≥ 1";
        }

        if (!TryResolveZone(set.TimeZone, out _))
        {
            return "timeZone: a known IANA time zone id";
        }

        if (set.Lockout is null || set.Keypad is null || set.Credentials is null)
        {
            return "lockout, keypad and credentials are required";
        }

        if (set.Keypad.WrongCodeLimit is < 1 or > KeypadPolicyDocument.MaxWrongCodeLimit)
        {
            return $"keypad.wrongCodeLimit: 1 to {KeypadPolicyDocument.MaxWrongCodeLimit}";
        }

        if (set.Keypad.DisableSeconds is < 1 or > KeypadPolicyDocument.MaxDisableSeconds)
        {
            return $"keypad.disableSeconds: 1 to {KeypadPolicyDocument.MaxDisableSeconds}";
        }

        if (set.Credentials.Count > CredentialSetDocument.MaxCredentials)
        {
            return $"credentials: at most {CredentialSetDocument.MaxCredentials}";
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var codes = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < set.Credentials.Count; i++)
        {
            if (ValidateCredential(set.Credentials[i], ids, codes) is { } error)
            {
                return $"credentials[{i}]{error}";
            }
        }

        return null;
    }

    /// <summary>The set's zone, for evaluating recurring schedules on the home's wall clock.</summary>
    public static TimeZoneInfo Zone(CredentialSetDocument set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return TimeZones.ResolveZone(set.TimeZone);
    }

    private static string? ValidateCredential(CredentialDocument? credential, HashSet<string> ids, HashSet<string> codes)
    {
        if (credential is null)
        {
            return ": must not be null";
        }

        if (credential.Id is not { Length: > 0 and <= CredentialDocument.MaxIdLength })
        {
            return $".id: 1 to {CredentialDocument.MaxIdLength} characters";
        }

        if (!CredentialKinds.All.Contains(credential.Kind))
        {
            return ".kind: one of " + string.Join(", ", CredentialKinds.All);
        }

        if (credential.Code is not { Length: >= KeypadCodes.MinLength and <= KeypadCodes.MaxLength } || !credential.Code.All(char.IsAsciiDigit))
        {
            return $".code: {KeypadCodes.MinLength} to {KeypadCodes.MaxLength} digits";
        }

        if (credential.MaxEntries is < 1)
        {
            return ".maxEntries: null or a number ≥ 1";
        }

        if (credential.EntriesUsed < 0)
        {
            return ".entriesUsed: a number ≥ 0";
        }

        if (ScheduleJson.Check(credential.Schedule) is { } scheduleError)
        {
            return ".schedule: " + scheduleError;
        }

        if (!ids.Add(credential.Id))
        {
            return ".id: appears twice in the set";
        }

        // A lock refuses a code another slot already holds.
        return codes.Add(credential.Code) ? null : ".code: the same as another credential's";
    }

    private static bool TryResolveZone(string? id, [NotNullWhen(true)] out TimeZoneInfo? zone)
    {
        zone = null;
        try
        {
            zone = id is null ? null : TimeZones.ResolveZone(id);
        }
        catch (DomainException)
        {
        }

        return zone is not null;
    }
}
