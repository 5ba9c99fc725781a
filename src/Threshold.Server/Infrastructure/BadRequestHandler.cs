using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Threshold.Domain;

namespace Threshold.Server.Infrastructure;

/// <summary>
/// Turns malformed requests (bad JSON, wrong types, unknown or missing fields, oversized bodies)
/// and domain refusals into problem+json; anything else becomes a logged 500 without internals.
/// </summary>
internal sealed partial class BadRequestHandler(IProblemDetailsService problems, ILogger<BadRequestHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, detail, field) = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } when json.Message.Contains("could not be mapped", StringComparison.Ordinal) =>
                (400, "unknown_field", $"'{FieldOf(json.Path)}' is not a field of this request.", FieldOf(json.Path)),
            BadHttpRequestException { InnerException: JsonException json } when FieldOf(json.Path) is { } path =>
                (400, "invalid_json", $"'{path}' has the wrong type or is malformed.", path),
            BadHttpRequestException { InnerException: JsonException } =>
                (400, "invalid_json", "The body is not well-formed JSON of the expected shape.", null),
            BadHttpRequestException { StatusCode: 413 } =>
                (413, "payload_too_large", "The request body is too large.", null),
            BadHttpRequestException { StatusCode: 415 } =>
                (415, "unsupported_media_type", "Send application/json.", null),
            BadHttpRequestException { StatusCode: 400 } =>
                (400, "missing_body", "A JSON body is required.", null),
            BadHttpRequestException bad =>
                (bad.StatusCode, Problems.DefaultCode(bad.StatusCode), "The request could not be read.", null),
            // ReadFromJsonAsync throws this for "application/json; charset=<unknown>", and for a quoted charset.
            InvalidOperationException { InnerException: ArgumentException } when HasUnknownCharset(context.Request) =>
                (415, "unsupported_media_type", "Send application/json in UTF-8.", null),
            DomainException domain =>
                (400, domain.Code, domain.Message, null),
            DbUpdateConcurrencyException =>
                (409, "conflict", "Someone else changed this at the same time; nothing was written.", null),
            // The handlers check for duplicates inside the write; this covers a race they do not know of.
            DbUpdateException unique when Data.SqliteErrors.IsUniqueViolation(unique) =>
                (409, "conflict", "This was created by someone else at the same time; nothing was written.", null),
            OperationCanceledException when context.RequestAborted.IsCancellationRequested =>
                (499, "client_closed", "The client went away.", null),
            _ => (500, "internal_error", "Something went wrong on our side; nothing was written.", (string?)null),
        };

        if (status >= 500)
        {
            LogUnhandled(logger, exception, context.Request.Method, context.Request.Path);
        }
        else
        {
            LogRejected(logger, context.Request.Method, context.Request.Path, status, code);
        }

        if (context.Response.HasStarted)
        {
            return true;
        }

        context.Response.StatusCode = status;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = status,
            Title = Problems.Title(status),
            Detail = detail,
            Extensions = { ["code"] = code },
        };
        if (field is not null)
        {
            problem.Extensions["field"] = field;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    private static bool HasUnknownCharset(HttpRequest request)
    {
        if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || type.Charset.Length == 0)
        {
            return false;
        }

        try
        {
            // Untrimmed, as the JSON reader looks it up: it does not know charset="utf-8" either.
            _ = System.Text.Encoding.GetEncoding(type.Charset.Value!);
            return false;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    /// <summary>"$.window.start" → "window.start"; the JSON path names the field.</summary>
    private static string? FieldOf(string? path) =>
        path is null or "$" ? null : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected {Method} {Path}: {Status} {Code}")]
    private static partial void LogRejected(ILogger logger, string method, string path, int status, string code);
}
