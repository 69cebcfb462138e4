using Microsoft.AspNetCore.Builder;
using UserApi.Endpoints;

namespace UserApi.Hosting;

/// <summary>The request pipeline, in order, and the routes.</summary>
public static class Pipeline
{
    public static WebApplication UseUserApi(this WebApplication app)
    {
        app.UseTrustedProxies();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestBodyLimit>();
        // Everything this service answers is about credentials: no browser or proxy may cache it (RFC 6749 §5.1).
        app.Use((context, next) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers.Pragma = "no-cache";
            return next(context);
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOperations();
        app.MapUserApiOpenApi();
        app.MapUserApi();
        return app;
    }
}
