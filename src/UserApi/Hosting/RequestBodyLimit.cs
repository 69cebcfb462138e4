using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using UserApi.Configuration;
using UserApi.Endpoints;

namespace UserApi.Hosting;

/// <summary>
/// Auth requests are small: a body over <see cref="SecurityOptions.MaxRequestBodyBytes"/> is refused with
/// 413 before anything parses it (declared length), or as soon as reading passes the limit (chunked).
/// </summary>
public sealed class RequestBodyLimit(RequestDelegate next, IOptions<SecurityOptions> options)
{
    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problems)
    {
        var limit = options.Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status413PayloadTooLarge,
                    Title = $"The request body is larger than {limit} bytes.",
                    Extensions = { [Problems.CodeKey] = Problems.CodeForStatus(StatusCodes.Status413PayloadTooLarge) },
                },
            });
            return;
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }
        await next(context);
    }
}
