using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using UserApi.Accounts;

namespace UserApi.Endpoints;

/// <summary>RFC 9457 problem details with the stable <c>code</c> extension.</summary>
public static class Problems
{
    public const string CodeKey = "code";
    public const string RetryAfterKey = "retryAfter";

    public static long RetryAfterSeconds(TimeSpan retryAfter) => Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));

    public static ProblemHttpResult From(AccountError error)
    {
        var extensions = new Dictionary<string, object?> { [CodeKey] = error.Code };
        if (error.Errors is not null)
        {
            extensions["errors"] = error.Errors;
        }
        if (error.RetryAfter is { } retryAfter)
        {
            extensions[RetryAfterKey] = RetryAfterSeconds(retryAfter);
        }
        return TypedResults.Problem(statusCode: error.Status, title: error.Title, extensions: extensions);
    }

    /// <summary>A use case's result as the endpoint's typed outcome: 200 with the mapped body, or the problem.</summary>
    public static Results<Ok<TResponse>, ProblemHttpResult> ToHttp<T, TResponse>(this Result<T> result, HttpContext context, Func<T, TResponse> map) =>
        result.Error is { } error ? From(error, context) : TypedResults.Ok(map(result.Value!));

    /// <summary>
    /// The problem, with the headers its status calls for: a 401 about the caller's token challenges as the
    /// token check does (RFC 6750 §3), a 429 says when to come back (RFC 9110 §10.2.3).
    /// </summary>
    public static ProblemHttpResult From(AccountError error, HttpContext context)
    {
        if (error.Status == StatusCodes.Status401Unauthorized && context.Request.Headers.Authorization.Count > 0)
        {
            context.Response.Headers.WWWAuthenticate = BearerChallenge;
        }
        if (error.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds(retryAfter).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return From(error);
    }

    /// <summary>Writes a problem from middleware (outside an endpoint), through the registered problem-details service.</summary>
    public static ValueTask<bool> WriteAsync(HttpContext context, int status, string title, string code, Exception? exception = null)
    {
        context.Response.StatusCode = status;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = status,
                Title = title,
                Extensions = { [CodeKey] = code },
            },
        });
    }

    public const string BearerChallenge = "Bearer error=\"invalid_token\"";

    /// <summary>The code for a status that a framework component produced without one of ours.</summary>
    public static string CodeForStatus(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "malformed_request",
        StatusCodes.Status401Unauthorized => "token_invalid",
        StatusCodes.Status403Forbidden => "forbidden",
        StatusCodes.Status404NotFound => "not_found",
        StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
        StatusCodes.Status413PayloadTooLarge => "payload_too_large",
        StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
        StatusCodes.Status429TooManyRequests => "rate_limited",
        StatusCodes.Status503ServiceUnavailable => "backend_unavailable",
        >= 500 => "internal_error",
        _ => "request_failed",
    };
}
