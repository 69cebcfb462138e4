using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using UserApi.Configuration;
using UserApi.Contracts;

namespace UserApi.Hosting;

/// <summary>
/// Auth requests are small: a body over <see cref="SecurityOptions.MaxRequestBodyBytes"/> is refused with
/// 413 before anything parses it (declared length), or as soon as reading passes the limit (chunked).
/// </summary>
public sealed class RequestBodyLimit(RequestDelegate next, IOptions<SecurityOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var limit = options.Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, $"The request body is larger than {limit} bytes.",
                ProblemResponses.CodeForStatus(StatusCodes.Status413PayloadTooLarge));
            return;
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }
        await next(context);
    }
}
