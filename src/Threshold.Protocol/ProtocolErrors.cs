namespace Threshold.Protocol;

/// <summary>Stable refusal codes reported by verifiers and thrown in <see cref="ProtocolException"/>.</summary>
public static class ProtocolErrors
{
    public const string Malformed = "malformed";
    public const string AlgNotAllowed = "alg_not_allowed";
    public const string WrongType = "wrong_type";
    public const string UnknownKid = "unknown_kid";
    public const string BadSignature = "bad_signature";
    public const string WrongIssuer = "wrong_issuer";
    public const string WrongAudience = "wrong_audience";
    public const string WrongHub = "wrong_hub";
    public const string Expired = "expired";
    public const string NotYetValid = "not_yet_valid";
    public const string LifetimeTooLong = "lifetime_too_long";
    public const string InvalidKey = "invalid_key";
    public const string SealInvalid = "seal_invalid";
}
