namespace Threshold.Domain;

/// <summary>
/// A rule of the domain refused an operation. <see cref="Code"/> is machine-readable and stable
/// (see <see cref="DomainErrorCodes"/>); the server maps it onto the problem+json <c>code</c> field.
/// </summary>
public sealed class DomainException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
