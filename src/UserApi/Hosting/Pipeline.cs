using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using UserApi.Configuration;
using UserApi.Authentication;
using UserApi.Endpoints;

namespace UserApi.Hosting;

/// <summary>The request pipeline, in order, and the routes.</summary>
public static class Pipeline
{
    public static WebApplication UseUserApi(this WebApplication app)
    {
        app.Use(AddSecurityHeaders);
        app.UseTrustedProxies();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseManagementPort();
        app.UseMiddleware<RequestBodyLimit>();
        app.UseAuditedRequests();
        app.UseAccessTokenAuthentication();
        // After authentication: a look-up is counted against its caller.
        app.UseRateLimiter();
        app.UsePasswordHashingAdmission();
        app.MapOperations();
        app.MapOperatorsOnly().MapUserApiOpenApi();
        app.MapUserApi();
        app.MapAdminApi();
        app.MapKeyPublication();
        app.MapIntrospection();
        return app;
    }

    /// <summary>
    /// While auditing is on, the request is where the audit log finds the client's address, user agent and request id
    /// (after the trusted proxies' <c>X-Forwarded-For</c> was applied). Off, no request pays for it; on, no GET does.
    /// </summary>
    private static void UseAuditedRequests(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<AuditOptions>>().Value.Enabled)
        {
            return;
        }
        var requests = app.Services.GetRequiredService<HttpContextAccessor>();
        // No GET records an event: the hot path (GET /user/info) does not pay for this.
        app.Use((context, next) => HttpMethods.IsGet(context.Request.Method) ? next(context) : WithRequestAsync(requests, context, next));

        static async Task WithRequestAsync(HttpContextAccessor requests, HttpContext context, RequestDelegate next)
        {
            requests.HttpContext = context;
            try
            {
                await next(context);
            }
            finally
            {
                // Contexts are pooled: work this request left running must not find the next request's client.
                requests.HttpContext = null;
            }
        }
    }

    /// <summary>
    /// First in the pipeline, so that every response it writes carries them; the exception handler, which clears
    /// headers, sets nosniff again, and the policy is written as the response starts, after any clearing.
    /// </summary>
    private static Task AddSecurityHeaders(HttpContext context, RequestDelegate next)
    {
        ExceptionHandling.AddNoSniff(context.Response);
        // Everything this service answers is about credentials: no browser or proxy may cache it (RFC 6749 §5.1).
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        if (context.Request.Path.StartsWithSegments(OpenApiDocumentation.ReferencePrefix))
        {
            // The page's nonce is drawn by its endpoint, after this: the policy is written as the response starts.
            context.Response.OnStarting(static state =>
            {
                var context = (HttpContext)state;
                context.Response.Headers.ContentSecurityPolicy = OpenApiDocumentation.ReferenceContentSecurityPolicy(context);
                return Task.CompletedTask;
            }, context);
        }
        return next(context);
    }
}
