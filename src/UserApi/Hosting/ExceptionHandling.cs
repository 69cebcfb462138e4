using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using UserApi.Contracts;
using UserApi.Infrastructure;

namespace UserApi.Hosting;

/// <summary>
/// The last line: a store outage is a 503 <c>backend_unavailable</c>, a bad request found late keeps its
/// 4xx, anything else is a bug (500) logged with its stack trace, which never reaches the client.
/// </summary>
public sealed class ExceptionHandling(ILogger<ExceptionHandling> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var status = exception switch
        {
            BadHttpRequestException bad => bad.StatusCode,
            _ when StoreOutage.Is(exception) => StatusCodes.Status503ServiceUnavailable,
            _ => StatusCodes.Status500InternalServerError,
        };
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            logger.LogError("Backend unavailable on {Path}: {ExceptionType}: {Error}", context.Request.Path, exception.GetType().FullName, exception.Message);
        }
        else if (status >= 500)
        {
            logger.LogError(exception, "Unhandled exception on {Path}", context.Request.Path);
        }

        // The exception handler middleware cleared the response's headers before calling this.
        AddNoSniff(context.Response);
        var title = status switch
        {
            StatusCodes.Status503ServiceUnavailable => "A backing store is unavailable; try again shortly.",
            >= 500 => "An unexpected error occurred.",
            _ => "The request is not valid.",
        };
        return await ProblemResponses.WriteAsync(context, status, title, ProblemResponses.CodeForStatus(status), exception);
    }

    /// <summary>A browser must not take a response for a type other than the one it declares (a JSON body run as script or HTML).</summary>
    public static void AddNoSniff(HttpResponse response) => response.Headers.XContentTypeOptions = "nosniff";
}
