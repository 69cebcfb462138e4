using System.Net;
using System.Text;
using UserApi.Tests.Support;

namespace UserApi.Tests.Security;

/// <summary>Limits only a real Kestrel enforces (TestServer has no header or body limits): run against the process.</summary>
public sealed class KestrelLimitTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("user-api-limits-").FullName;
    private readonly int _port = ServiceProcess.FreePort();
    private ServiceProcess _service = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _service = ServiceProcess.Start([], new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["UserApi__Host"] = "127.0.0.1",
            ["UserApi__Port"] = _port.ToString(),
            ["UserApi__Auth__AccessSecret"] = "kestrel-limit-access-secret-0123456789abcdef",
            ["UserApi__Auth__RefreshSecret"] = "kestrel-limit-refresh-secret-0123456789abcdef",
        }, _directory);
        await _service.WaitUntilHealthyAsync($"http://127.0.0.1:{_port}/healthz", TimeSpan.FromSeconds(60));
        _client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}") };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _service.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task AThreeHundredKilobyteTokenIsRefusedAsOversizedHeaders()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/user/info");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + new string('a', 300 * 1024));
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, (await _client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task AChunkedBodyOverTheLimitIsRefused()
    {
        var body = Encoding.UTF8.GetBytes($$"""{"username":"{{new string('a', 20 * 1024)}}","password":"correct horse"}""");
        var content = new StreamContent(new MemoryStream(body));
        content.Headers.ContentType = new("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/user/register") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        var response = await _client.SendAsync(request);
        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task ADeclaredBodyOverTheLimitIsRefused()
    {
        var response = await _client.PostJsonAsync("/user/login", $$"""{"username":"{{new string('a', 20 * 1024)}}","password":"x"}""");
        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.DoesNotContain("Exception", _service.Output);
    }
}
