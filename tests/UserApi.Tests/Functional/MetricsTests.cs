using System.Net;
using UserApi.Tests.Support;

namespace UserApi.Tests.Functional;

/// <summary>
/// <c>GET /metrics</c>: Prometheus text with ASP.NET Core's request metrics and the runtime's. The counts of the
/// service's own outcomes are checked on a process of its own (<see cref="Diagnostics.MetricsCountTests"/>): in this
/// test process every app's listener also hears the other apps' meters of the same name.
/// </summary>
public sealed class MetricsTests(EmbeddedBackend app) : IClassFixture<EmbeddedBackend>
{
    private readonly HttpClient _client = app.CreateClient();

    [Fact]
    public async Task MetricsAreServedAsPrometheusText()
    {
        // The first scrape makes sure the meters are listened to (from start-up on, that happens in the
        // background). A request's duration is recorded as its context is disposed, which can come after the
        // client has the response: later scrapes are awaited for it.
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/healthz")).StatusCode);
        var response = await _client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        // The runtime's GC counter has a point only once a collection has happened: awaited too.
        // Each round asks /healthz again: a request answered before the meters were listened to is never recorded.
        var text = await Poll.UntilAsync(async () => { await _client.GetAsync("/healthz"); return await _client.GetStringAsync("/metrics"); },
            t => t.Contains("http_route=\"/healthz\"") && t.Contains("# TYPE dotnet_gc_collections_total counter"), TimeSpan.FromSeconds(30));
        Assert.Contains("# TYPE dotnet_gc_collections_total counter", text);
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", text);
        Assert.Contains("http_route=\"/healthz\"", text);
    }
}
