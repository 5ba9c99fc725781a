namespace Threshold.Protocol;

/// <summary>A protocol-level refusal with a stable machine-readable <see cref="Code"/>.</summary>
public sealed class ProtocolException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
