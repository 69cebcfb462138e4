using System.Net;
using UserApi.Tests.Support;

namespace UserApi.Tests.Startup;

/// <summary>
/// <c>Management.Port</c>: metrics, the OpenAPI document and its reference page on a port of their own, off the
/// public one. Run as a process: which port a request arrived on is only real with Kestrel listening.
/// </summary>
public sealed class ManagementPortTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("user-api-management-").FullName;
    private readonly int _port = ServiceProcess.FreePort();
    private readonly int _managementPort = ServiceProcess.FreePort();
    private ServiceProcess _service = null!;
    private HttpClient _public = null!;
    private HttpClient _management = null!;

    public async Task InitializeAsync()
    {
        _service = ServiceProcess.Start(["--Host=127.0.0.1", $"--Port={_port}", $"--Management:Port={_managementPort}"],
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Development" }, _directory);
        await _service.WaitUntilHealthyAsync($"http://127.0.0.1:{_port}/healthz", TimeSpan.FromSeconds(60));
        _public = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}") };
        _management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_managementPort}") };
    }

    public async Task DisposeAsync()
    {
        _public.Dispose();
        _management.Dispose();
        await _service.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/docs/v1")]
    public async Task WhatOperatorsReadIsServedOnTheManagementPortOnly(string path)
    {
        Assert.Equal(HttpStatusCode.OK, (await _management.GetAsync(path)).StatusCode);

        var onPublic = await _public.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, onPublic.StatusCode);
        Assert.Equal("application/problem+json", onPublic.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AHostHeaderNamingTheManagementPortDoesNotReachIt()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Host = $"127.0.0.1:{_managementPort}";

        Assert.Equal(HttpStatusCode.NotFound, (await _public.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task TheUserApiIsServedOnThePublicPortOnly()
    {
        Assert.Equal(HttpStatusCode.OK, (await _public.PostAsync("/user/token", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _management.PostAsync("/user/token", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _management.RegisterAsync(ApiClient.NewUsername())).StatusCode);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task HealthProbesAnswerOnBothPorts(string path)
    {
        Assert.Equal(HttpStatusCode.OK, (await _public.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _management.GetAsync(path)).StatusCode);
    }
}
