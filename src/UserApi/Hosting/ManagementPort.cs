using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using UserApi.Configuration;

namespace UserApi.Hosting;

/// <summary>
/// With <c>Management.Port</c> set, what only operators read (metrics, the OpenAPI document, its reference page)
/// answers on that port only, the user API on <c>Port</c> only, and the health probes on both; anything else is
/// a 404, as a route that does not exist. The port a request arrived on is the connection's, never its
/// <c>Host</c> header, which the client writes.
/// </summary>
public static class ManagementPort
{
    /// <summary>Marks an endpoint for the management port; <paramref name="AlsoPublic"/> also keeps it on the public one.</summary>
    public sealed record Endpoint(bool AlsoPublic);

    private static readonly Endpoint OperatorsOnly = new(AlsoPublic: false);
    private static readonly Endpoint Everywhere = new(AlsoPublic: true);

    /// <summary>A group for endpoints only operators read.</summary>
    public static RouteGroupBuilder MapOperatorsOnly(this IEndpointRouteBuilder app) => app.MapGroup("").WithMetadata(OperatorsOnly);

    /// <summary>A group for endpoints answered on every port: the health probes.</summary>
    public static RouteGroupBuilder MapOnEveryPort(this IEndpointRouteBuilder app) => app.MapGroup("").WithMetadata(Everywhere);

    public static WebApplication UseManagementPort(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<ServiceOptions>>().Value.Management.Port is not { } port)
        {
            return app;
        }
        app.Use((context, next) =>
        {
            var endpoint = context.GetEndpoint()?.Metadata.GetMetadata<Endpoint>();
            var servedHere = context.Connection.LocalPort == port ? endpoint is not null : endpoint is null || endpoint.AlsoPublic;
            if (!servedHere)
            {
                context.SetEndpoint(null);
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            return next(context);
        });
        return app;
    }
}
