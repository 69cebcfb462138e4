using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace UserApi.Contracts;

/// <summary>
/// The wire shape of every error: an RFC 9457 problem with the stable <c>code</c> extension, written through
/// the registered problem-details service by whatever answers outside an endpoint (authentication, the body
/// limit, the exception handler).
/// </summary>
public static class ProblemResponses
{
    public const string CodeKey = "code";
    public const string RetryAfterKey = "retryAfter";
    public const string MfaTokenKey = "mfaToken";

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
