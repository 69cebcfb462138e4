using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace UserApi.Diagnostics;

/// <summary>
/// <c>GET /metrics</c> in Prometheus text, through OpenTelemetry: the service's own instruments
/// (<see cref="UserApiMetrics"/>), ASP.NET Core's request durations by route and status, Kestrel's
/// connections and the runtime's GC, JIT and thread-pool figures.
/// </summary>
/// <remarks>
/// The MeterProvider is built on the thread pool once the server listens (or by the first scrape, whichever
/// comes first), not through OpenTelemetry's hosting integration, which loads and compiles OpenTelemetry
/// before the server listens (its start-up cost: bench/RESULTS.md). Requests of the first moments after
/// start are not counted.
/// </remarks>
public sealed class PrometheusMetrics : IHostedService, IDisposable
{
    public const string Path = "/metrics";

    private readonly IHostApplicationLifetime _lifetime;
    private readonly Lazy<MeterProvider> _provider;

    public PrometheusMetrics(IHostApplicationLifetime lifetime)
    {
        _lifetime = lifetime;
        _provider = new Lazy<MeterProvider>(Build);
    }

    /// <summary>Maps the scrape endpoint; its pipeline is built at the first scrape.</summary>
    public static IEndpointRouteBuilder Map(IEndpointRouteBuilder app)
    {
        var scrape = new Lazy<RequestDelegate>(() => app.CreateApplicationBuilder()
            .UseOpenTelemetryPrometheusScrapingEndpoint(
                meterProvider: app.ServiceProvider.GetRequiredService<PrometheusMetrics>()._provider.Value,
                predicate: _ => true, path: null, configureBranchedPipeline: null, optionsName: null)
            .Build());
        app.MapGet(Path, context => scrape.Value(context));
        return app;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _lifetime.ApplicationStarted.Register(() => Task.Run(() => _provider.Value));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        if (_provider.IsValueCreated)
        {
            _provider.Value.Dispose();
        }
    }

    // Routing's and authorization's per-request meters are left out, and so is http.server.active_requests:
    // each adds measurements to every request for what http.server.request.duration already tells.
    private static MeterProvider Build() => Sdk.CreateMeterProviderBuilder()
        .AddMeter(UserApiMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Diagnostics", "System.Runtime")
        .AddView("http.server.active_requests", MetricStreamConfiguration.Drop)
        // A scrape answers with the counts of that moment (the exporter's default serves one response for 300 ms).
        .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0)
        .Build();
}
