using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using UserApi.Contracts;
using UserApi.Diagnostics;

namespace UserApi.Hosting;

/// <summary>What operators watch: liveness (<c>/healthz</c>), readiness (<c>/readyz</c>) and metrics (<c>/metrics</c>).</summary>
public static class Operations
{
    private const string ReadyTag = "ready";

    public static IServiceCollection AddOperations(this IServiceCollection services)
    {
        services.AddUserApiDiagnostics();
        services.AddHealthChecks()
            .AddCheck<DatabaseReadinessCheck>("database", tags: [ReadyTag])
            .AddCheck<RedisReadinessCheck>("redis", tags: [ReadyTag])
            .AddCheck<RevocationReadinessCheck>("revocations", tags: [ReadyTag])
            .AddCheck<ShutdownReadinessCheck>("shutdown", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder app)
    {
        var probes = app.MapOnEveryPort();
        probes.MapGet("/healthz", () => TypedResults.Ok(new HealthResponse("ok"))).WithTags("Operations");
        probes.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResultStatusCodes = { [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable },
        });
        PrometheusMetrics.Map(app.MapOperatorsOnly());
        return app;
    }
}
