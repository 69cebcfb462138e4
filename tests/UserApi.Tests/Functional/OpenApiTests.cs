using System.Net;
using System.Text.Json;
using UserApi.Tests.Support;

namespace UserApi.Tests.Functional;

/// <summary><c>GET /openapi/v1.json</c>: every route, which of them need a token, and the problems each answers with.</summary>
public sealed class OpenApiTests(EmbeddedBackend app) : IClassFixture<EmbeddedBackend>
{
    private readonly HttpClient _client = app.CreateClient();

    public static TheoryData<string, string, bool> Routes() => new()
    {
        { "post", "/user/register", false },
        { "post", "/user/login", false },
        { "post", "/user/refresh", false },
        { "post", "/user/token", false },
        { "post", "/user/info", true },
        { "get", "/user/info", true },
        { "post", "/user/logout", true },
        { "post", "/user/logout/all", true },
        { "get", "/user/sessions", true },
        { "delete", "/user/sessions/{id}", true },
        { "post", "/user/password", true },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task TheDocumentDescribesEachRouteAndWhetherItNeedsAToken(string method, string path, bool needsToken)
    {
        var operation = (await DocumentAsync()).GetProperty("paths").GetProperty(path).GetProperty(method);
        Assert.False(string.IsNullOrEmpty(operation.GetProperty("summary").GetString()));
        Assert.Equal(needsToken, operation.TryGetProperty("security", out var security));
        if (needsToken)
        {
            Assert.True(security[0].TryGetProperty("bearer", out _));
            AssertProblem(operation, "401");
            // While the instance's revoked sessions are not known to be complete, a token is answered 503.
            AssertProblem(operation, "503");
        }
    }

    [Fact]
    public async Task LoginListsItsRefusalsAsProblemsWithACode()
    {
        var document = await DocumentAsync();
        var login = document.GetProperty("paths").GetProperty("/user/login").GetProperty("post");
        foreach (var status in new[] { "400", "401", "413", "415", "429", "503" })
        {
            AssertProblem(login, status);
        }
        Assert.Equal("#/components/schemas/LoginRequest",
            login.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.Equal("string", document.GetProperty("components").GetProperty("schemas").GetProperty("ProblemDetails")
            .GetProperty("properties").GetProperty("code").GetProperty("type").GetString());
        Assert.Equal("http", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("type").GetString());
    }

    [Fact]
    public async Task ABodilessRouteListsNoBodyProblems()
    {
        var info = (await DocumentAsync()).GetProperty("paths").GetProperty("/user/info").GetProperty("get");
        Assert.False(info.GetProperty("responses").TryGetProperty("415", out _));
        Assert.True(info.GetProperty("responses").TryGetProperty("200", out _));
    }

    [Fact]
    public async Task TheReferencePageIsServedWithItsScriptFromTheServiceItself()
    {
        var page = await _client.GetAsync("/docs/v1");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<script src=\"scalar.js\" nonce=", html);
        Assert.Contains("\"url\":\"openapi/v1.json\"", html);
        Assert.DoesNotContain("https://", html);
        // Scalar reports usage and offers an AI chat through its own servers unless told not to.
        Assert.Contains("\"telemetry\":false", html);
        Assert.Contains("\"agent\":{\"disabled\":true}", html);

        var script = await _client.GetAsync("/docs/scalar.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
    }

    private async Task<JsonElement> DocumentAsync()
    {
        var response = await _client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.StartsWith("3.1", document.GetProperty("openapi").GetString());
        return document;
    }

    private static void AssertProblem(JsonElement operation, string status) =>
        Assert.True(operation.GetProperty("responses").GetProperty(status).GetProperty("content").TryGetProperty("application/problem+json", out _), $"{status} is not a problem");
}
