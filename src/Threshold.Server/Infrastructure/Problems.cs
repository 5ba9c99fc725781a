using Microsoft.AspNetCore.Http.HttpResults;
using Threshold.Domain.Access;

namespace Threshold.Server.Infrastructure;

/// <summary>Every error leaves as application/problem+json with a machine-readable <c>code</c>.</summary>
internal static class Problems
{
    public static ProblemHttpResult Create(int status, string code, string detail, string? field = null)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = code };
        if (field is not null)
        {
            extensions["field"] = field;
        }

        return TypedResults.Problem(detail: detail, statusCode: status, title: Title(status), extensions: extensions);
    }

    public static ProblemHttpResult NotFound() =>
        Create(StatusCodes.Status404NotFound, "not_found", "No such resource, or it is not yours.");

    public static ProblemHttpResult Invalid(string code, string detail, string field) =>
        Create(StatusCodes.Status400BadRequest, code, detail, field);

    public static ProblemHttpResult Conflict(string code, string detail) =>
        Create(StatusCodes.Status409Conflict, code, detail);

    /// <summary>Maps an access-decision deny reason to its HTTP status.</summary>
    public static ProblemHttpResult Denied(string reason) => Create(
        reason switch
        {
            ReasonCodes.AlreadyUsed => StatusCodes.Status409Conflict,
            ReasonCodes.HubOffline or ReasonCodes.CameraNotLive => StatusCodes.Status503ServiceUnavailable,
            ReasonCodes.RateLimited => StatusCodes.Status429TooManyRequests,
            _ => StatusCodes.Status403Forbidden,
        },
        reason,
        $"Entry refused: {reason}.");

    public static string Title(int status) => status switch
    {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        405 => "Method not allowed",
        409 => "Conflict",
        413 => "Payload too large",
        415 => "Unsupported media type",
        422 => "Unprocessable",
        429 => "Too many requests",
        503 => "Service unavailable",
        504 => "Gateway timeout",
        _ => "Error",
    };

    public static string DefaultCode(int status) => status switch
    {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        429 => "rate_limited",
        _ => status >= 500 ? "internal_error" : "error",
    };
}
