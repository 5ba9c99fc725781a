using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Threshold.Protocol.Keys;

namespace Threshold.Protocol;

/// <summary>Argument checks usable from primary-constructor field initialisers.</summary>
internal static class Guard
{
    public static string NotEmpty(string value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, name);
        return value;
    }

    public static T NotNull<T>(T value, [CallerArgumentExpression(nameof(value))] string? name = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(value, name);
        return value;
    }

    public static ECDsa P256(ECDsa key, [CallerArgumentExpression(nameof(key))] string? name = null)
    {
        ArgumentNullException.ThrowIfNull(key, name);
        KeyEncoding.RequireP256(key);
        return key;
    }
}
