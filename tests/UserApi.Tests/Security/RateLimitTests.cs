using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Mvc.Testing;
using UserApi.Tests.Support;

namespace UserApi.Tests.Security;

/// <summary>
/// The rate limits over HTTP: <c>POST /user/token</c> and <c>POST /user/register</c> per client network,
/// <c>POST /user/info</c> per caller; each a 429 <c>rate_limited</c> with <c>Retry-After</c> until its window ends.
/// Each test sets its own low limit (the factory's are out of reach) on the clock the test moves.
/// </summary>
public sealed class RateLimitTests(EmbeddedBackend app) : IClassFixture<EmbeddedBackend>
{
    private static HttpRequestMessage From(string ip, string path, string json = "{}", string? accessToken = null, string? forwardedFor = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add(UserApiFactory.RemoteIpHeader, ip);
        if (accessToken is not null)
        {
            request.Headers.Authorization = ApiClient.Bearer(accessToken);
        }
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }
        return request;
    }

    private static Task<HttpResponseMessage> TokenAsync(HttpClient client, string ip, string? forwardedFor = null) =>
        client.SendAsync(From(ip, "/user/token", forwardedFor: forwardedFor));

    private static async Task<string> AnonymousTokenAsync(HttpClient client, string ip) =>
        (await (await TokenAsync(client, ip)).AssertOkJsonAsync()).GetProperty("access_token").GetString()!;

    private static Task<HttpResponseMessage> LookUpAsync(HttpClient client, string ip, long userId, string? accessToken) =>
        client.SendAsync(From(ip, "/user/info", $$"""{"userId":{{userId}}}""", accessToken));

    /// <summary>Asserts the refusal's shape and returns its <c>Retry-After</c>, in seconds.</summary>
    private static async Task<long> AssertRateLimitedAsync(HttpResponseMessage response)
    {
        var problem = await response.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        var retryAfter = long.Parse(response.Headers.GetValues("Retry-After").Single());
        Assert.Equal(retryAfter, problem.GetProperty("retryAfter").GetInt64());
        return retryAfter;
    }

    [Fact]
    public async Task AnonymousTokensPastTheLimitAreRefusedUntilTheWindowEnds()
    {
        using var limited = app.WithSettings(("Security:TokenRequestsPerMinute", "3"));
        var client = limited.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            await (await TokenAsync(client, "198.51.100.10")).AssertOkJsonAsync();
        }

        Assert.Equal(60, await AssertRateLimitedAsync(await TokenAsync(client, "198.51.100.10")));
        await (await TokenAsync(client, "198.51.100.11")).AssertOkJsonAsync();

        app.Time.Advance(TimeSpan.FromSeconds(45));
        Assert.Equal(15, await AssertRateLimitedAsync(await TokenAsync(client, "198.51.100.10")));
        app.Time.Advance(TimeSpan.FromSeconds(15));
        await (await TokenAsync(client, "198.51.100.10")).AssertOkJsonAsync();
    }

    [Fact]
    public async Task RegistrationsPastTheLimitAreRefusedBeforeAnyAccountIsCreated()
    {
        using var limited = app.WithSettings(("Security:RegistrationsPerMinute", "2"));
        var client = limited.CreateClient();
        Task<HttpResponseMessage> RegisterAsync(string username) =>
            client.SendAsync(From("198.51.100.20", "/user/register", $$"""{"username":"{{username}}","password":"{{ApiClient.Password}}"}"""));
        await (await RegisterAsync(ApiClient.NewUsername())).AssertOkJsonAsync();
        await (await RegisterAsync(ApiClient.NewUsername())).AssertOkJsonAsync();

        await client.GetAsync("/metrics");
        var refused = ApiClient.NewUsername();
        Assert.Equal(60, await AssertRateLimitedAsync(await RegisterAsync(refused)));
        // The refusal is one of the route's outcomes, as those its endpoint answers are.
        static bool Counted(string text) => text.Split('\n').Any(line =>
            line.StartsWith("userapi_registrations_total{", StringComparison.Ordinal) && line.Contains("outcome=\"rate_limited\""));
        Assert.True(Counted(await Poll.UntilAsync(() => client.GetStringAsync("/metrics"), Counted, TimeSpan.FromSeconds(30))),
            "The refused registration is counted with the outcome rate_limited.");

        app.Time.Advance(TimeSpan.FromMinutes(1));
        await (await RegisterAsync(refused)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task LookUpsAreCountedPerRegisteredUserAndForAnonymousTokensPerClient()
    {
        using var limited = app.WithSettings(("Security:UserLookupsPerMinute", "2"));
        var client = limited.CreateClient();
        var (aliceId, _, alice) = await client.NewSessionAsync("alice");
        var (_, _, bob) = await client.NewSessionAsync("bob");

        // Two registered users behind one address: each has a budget of their own.
        await (await LookUpAsync(client, "198.51.100.30", aliceId, alice.AccessToken)).AssertOkJsonAsync();
        await (await LookUpAsync(client, "198.51.100.30", aliceId, alice.AccessToken)).AssertOkJsonAsync();
        await AssertRateLimitedAsync(await LookUpAsync(client, "198.51.100.31", aliceId, alice.AccessToken));
        await (await LookUpAsync(client, "198.51.100.30", aliceId, bob.AccessToken)).AssertOkJsonAsync();

        // Anonymous tokens cost nothing to mint: a fresh one does not bring a fresh budget.
        var first = await AnonymousTokenAsync(client, "198.51.100.32");
        await (await LookUpAsync(client, "198.51.100.32", aliceId, first)).AssertOkJsonAsync();
        await (await LookUpAsync(client, "198.51.100.32", aliceId, first)).AssertOkJsonAsync();
        var second = await AnonymousTokenAsync(client, "198.51.100.32");
        await AssertRateLimitedAsync(await LookUpAsync(client, "198.51.100.32", aliceId, second));
        await (await LookUpAsync(client, "198.51.100.33", aliceId, second)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task ALookUpWithoutAValidTokenIsRefusedBeforeItIsCounted()
    {
        using var limited = app.WithSettings(("Security:UserLookupsPerMinute", "1"));
        var client = limited.CreateClient();
        var (id, _, tokens) = await client.NewSessionAsync();
        for (var i = 0; i < 3; i++)
        {
            await (await LookUpAsync(client, "198.51.100.40", id, null)).AssertInvalidTokenAsync();
            await (await LookUpAsync(client, "198.51.100.40", id, "not-a-token")).AssertInvalidTokenAsync();
        }

        await (await LookUpAsync(client, "198.51.100.40", id, tokens.AccessToken)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task AnIpv6ClientIsCountedByItsSlash64()
    {
        using var limited = app.WithSettings(("Security:TokenRequestsPerMinute", "2"), ("Security:TrustedProxies:0", "10.0.0.0/8"));
        var client = limited.CreateClient();
        await (await TokenAsync(client, "10.0.0.1", forwardedFor: "2001:db8:7:1::1")).AssertOkJsonAsync();
        await (await TokenAsync(client, "10.0.0.2", forwardedFor: "2001:db8:7:1:ffff:ffff:ffff:fffe")).AssertOkJsonAsync();

        await AssertRateLimitedAsync(await TokenAsync(client, "10.0.0.1", forwardedFor: "2001:db8:7:1:abcd::99"));
        await AssertRateLimitedAsync(await TokenAsync(client, "2001:db8:7:1::5"));
        await (await TokenAsync(client, "10.0.0.1", forwardedFor: "2001:db8:7:2::1")).AssertOkJsonAsync();
        await (await TokenAsync(client, "10.0.0.1", forwardedFor: "2001:db8:7::1")).AssertOkJsonAsync();
    }

    [Fact]
    public async Task AnIpv4ClientSeenByADualStackListenerIsCountedAsItsIpv4Address()
    {
        using var limited = app.WithSettings(("Security:TokenRequestsPerMinute", "1"));
        var client = limited.CreateClient();
        await (await TokenAsync(client, "::ffff:203.0.113.50")).AssertOkJsonAsync();

        await AssertRateLimitedAsync(await TokenAsync(client, "203.0.113.50"));
        await (await TokenAsync(client, "::ffff:203.0.113.51")).AssertOkJsonAsync();
    }

    [Fact]
    public async Task ALimitOfZeroIsNoLimit()
    {
        using var unlimited = app.WithSettings(("Security:TokenRequestsPerMinute", "0"));
        var client = unlimited.CreateClient();
        for (var i = 0; i < 50; i++)
        {
            await (await TokenAsync(client, "198.51.100.60")).AssertOkJsonAsync();
        }
    }

    [Fact]
    public async Task EachLimitedRouteDocumentsIts429()
    {
        var document = await app.CreateClient().GetFromJsonAsync<System.Text.Json.JsonElement>("/openapi/v1.json");
        foreach (var path in new[] { "/user/token", "/user/register", "/user/info" })
        {
            Assert.True(document.GetProperty("paths").GetProperty(path).GetProperty("post").GetProperty("responses").TryGetProperty("429", out _), path);
        }
    }
}
