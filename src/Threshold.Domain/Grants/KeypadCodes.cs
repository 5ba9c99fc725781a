using System.Security.Cryptography;

namespace Threshold.Domain.Grants;

/// <summary>
/// Keypad code rules: digits only, a length the home allows, not trivially guessable (one digit repeated,
/// a straight run up or down), and never equal to another code held on the same lock.
/// </summary>
public static class KeypadCodes
{
    public const int MinLength = 4;
    public const int MaxLength = 8;
    public const int DeliveryLength = 8;

    /// <summary>Throws <see cref="DomainException"/> (invalid_code, weak_code, code_collision) unless the code may be used.</summary>
    public static void Validate(string code, int length, IEnumerable<string> otherCodesOnTheLock)
    {
        ArgumentNullException.ThrowIfNull(code);
        if (length is < MinLength or > MaxLength || code.Length != length || !code.All(char.IsAsciiDigit))
        {
            throw new DomainException(DomainErrorCodes.InvalidCode, $"A code here is exactly {length} digits.");
        }

        if (IsWeak(code))
        {
            throw new DomainException(DomainErrorCodes.WeakCode, "This code is too easy to guess (one digit repeated or a straight run).");
        }

        if (otherCodesOnTheLock.Contains(code, StringComparer.Ordinal))
        {
            throw new DomainException(DomainErrorCodes.CodeCollision, "Another code on this lock is the same.");
        }
    }

    /// <summary>A fresh code from a cryptographic random source that passes <see cref="Validate"/>.</summary>
    public static string Generate(int length, IEnumerable<string> otherCodesOnTheLock)
    {
        if (length is < MinLength or > MaxLength)
        {
            throw new DomainException(DomainErrorCodes.InvalidCode, $"Codes are {MinLength}–{MaxLength} digits.");
        }

        var taken = otherCodesOnTheLock.ToHashSet(StringComparer.Ordinal);
        while (true)
        {
            var code = string.Create(length, 0, static (span, _) =>
            {
                for (var i = 0; i < span.Length; i++)
                {
                    span[i] = (char)('0' + RandomNumberGenerator.GetInt32(10));
                }
            });
            if (!IsWeak(code) && !taken.Contains(code))
            {
                return code;
            }
        }
    }

    /// <summary>One digit repeated (0000) or every step +1 or every step −1, wrapping (1234, 8901, 3210).</summary>
    public static bool IsWeak(string code)
    {
        if (code.Length < 2)
        {
            return true;
        }

        bool Steps(int step)
        {
            for (var i = 1; i < code.Length; i++)
            {
                if ((code[i] - code[i - 1] + 10) % 10 != (step + 10) % 10)
                {
                    return false;
                }
            }

            return true;
        }

        return Steps(0) || Steps(1) || Steps(-1);
    }
}
