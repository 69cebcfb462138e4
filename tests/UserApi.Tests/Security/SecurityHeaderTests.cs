using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using UserApi.Accounts;
using UserApi.Configuration;
using UserApi.Tests.Support;
using UserApi.Tokens;

namespace UserApi.Tests.Security;

/// <summary><c>X-Content-Type-Options: nosniff</c> on whatever writes the response, and the reference page's Content-Security-Policy.</summary>
public sealed partial class SecurityHeaderTests(EmbeddedBackend app) : IClassFixture<EmbeddedBackend>
{
    private readonly HttpClient _client = app.CreateClient();

    private static void AssertNoSniff(HttpResponseMessage response) =>
        Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var values) && values.Single() == "nosniff",
            $"{(int)response.StatusCode} {response.RequestMessage?.RequestUri} has no X-Content-Type-Options: nosniff");

    [Fact]
    public async Task EveryAnswerOfThePipelineCarriesNoSniff()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        var anonymous = (await (await _client.PostAsync("/user/token", null)).AssertOkJsonAsync()).GetProperty("access_token").GetString()!;

        var responses = new[]
        {
            await _client.UserInfoAsync(tokens.AccessToken), // 200 from an endpoint
            await _client.GetAsync("/healthz"),
            await _client.GetAsync("/openapi/v1.json"),
            await _client.GetAsync("/docs/v1"),
            await _client.GetAsync("/no/such/route"), // 404 from the status-code pages
            await _client.PutAsync("/user/login", null), // 405
            await _client.GetAsync("/user/info"), // 401: the scheme's challenge
            await _client.UserInfoAsync(anonymous), // 403: the scheme's forbid
            await _client.PostJsonAsync("/user/login", "{"), // 400 malformed_request
            await _client.PostAsync("/user/login", new StringContent("{}", Encoding.UTF8, "text/plain")), // 415
            await _client.PostJsonAsync("/user/login", new string(' ', 20_000)), // 413 before the endpoint, declared length
            await _client.LoginAsync(ApiClient.NewUsername("nobody"), "not the password"), // 401 from a use case
        };
        Assert.Equal(
            [200, 200, 200, 200, 404, 405, 401, 403, 400, 415, 413, 401],
            responses.Select(r => (int)r.StatusCode));
        foreach (var response in responses)
        {
            AssertNoSniff(response);
        }
    }

    [Fact]
    public async Task TheExceptionHandlersProblemCarriesNoSniff()
    {
        // The exception handler clears the response's headers before it writes the problem.
        using var failing = app.WithWebHostBuilder(builder => builder.ConfigureServices(services =>
            services.AddSingleton(provider => new AnonymousAccess(provider.GetRequiredService<TokenService>(), new OptionsThatThrow()))));

        var response = await failing.CreateClient().PostAsync("/user/token", null);

        await response.AssertProblemAsync(HttpStatusCode.InternalServerError, "internal_error");
        AssertNoSniff(response);
    }

    [Fact]
    public async Task TheReferencePageRunsOnlyTheServicesScriptsAndItsOwnNonce()
    {
        var page = await _client.GetAsync("/docs/v1");
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        var html = await page.Content.ReadAsStringAsync();

        var nonce = Assert.Single(ScriptSourcesNonce().Matches(policy)).Groups["nonce"].Value;
        var scriptTags = ScriptTag().Matches(html);
        Assert.NotEmpty(scriptTags);
        Assert.All(scriptTags, tag => Assert.Contains($"nonce=\"{nonce}\"", tag.Value));
        Assert.Contains("default-src 'none'", policy);
        Assert.Contains("connect-src 'self'", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.Contains("base-uri 'none'", policy);
        Assert.DoesNotContain("unsafe-eval", policy);

        // A nonce known in advance would let an injected script pass: each page draws its own.
        var again = (await _client.GetAsync("/docs/v1")).Headers.GetValues("Content-Security-Policy").Single();
        Assert.NotEqual(policy, again);
    }

    [GeneratedRegex(@"script-src 'self' 'nonce-(?<nonce>[A-Za-z0-9+/_=-]{16,})';")]
    private static partial Regex ScriptSourcesNonce();

    [GeneratedRegex("<script[^>]*>")]
    private static partial Regex ScriptTag();

    private sealed class OptionsThatThrow : IOptions<AuthOptions>
    {
        public AuthOptions Value => throw new InvalidOperationException("A bug staged by the test.");
    }
}
