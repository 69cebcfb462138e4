using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using UserApi.Tests.Support;

namespace UserApi.Tests.Functional;

/// <summary>Both seed documents' curl flows, request for request (MySqlAndRedis.ProductionSmokeTests runs both on the production backends).</summary>
public sealed class SeedFlowTests(EmbeddedBackend app) : IClassFixture<EmbeddedBackend>
{
    private readonly HttpClient _client = app.CreateClient();

    [Fact]
    public async Task Seed003FlowRegistersLogsInReadsInfoAndRefreshes()
    {
        var username = ApiClient.NewUsername("alice");

        // 2. Register
        var registered = await _client.PostAsync("/user/register",
            new StringContent($$"""{"username":"{{username}}","password":"secret123"}""", Encoding.UTF8, "application/json"));
        var user = await registered.AssertOkJsonAsync();
        Assert.Equal(username, user.GetProperty("username").GetString());
        Assert.Equal("user", user.GetProperty("role").GetString());
        var id = user.GetProperty("id").GetInt64();

        // 3. Login: capture tokens
        var login = await _client.PostAsync("/user/login",
            new StringContent($$"""{"username":"{{username}}","password":"secret123"}""", Encoding.UTF8, "application/json"));
        var tokens = await login.AssertOkJsonAsync();
        Assert.Equal("no-store", login.Headers.CacheControl?.ToString());
        var access = tokens.GetProperty("accessToken").GetString()!;
        var refresh = tokens.GetProperty("refreshToken").GetString()!;
        Assert.Equal(UserApiFactory.AccessExpireSeconds, tokens.GetProperty("expiresIn").GetInt64());
        Assert.Equal("Bearer", tokens.GetProperty("tokenType").GetString());

        // 4. Call the protected endpoint
        var infoRequest = new HttpRequestMessage(HttpMethod.Get, "/user/info");
        infoRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", access);
        var info = await (await _client.SendAsync(infoRequest)).AssertOkJsonAsync();
        Assert.Equal(id, info.GetProperty("id").GetInt64());
        Assert.Equal(username, info.GetProperty("username").GetString());
        Assert.Equal("user", info.GetProperty("role").GetString());

        // 5. Refresh
        var refreshed = await (await _client.PostAsync("/user/refresh",
            new StringContent($$"""{"refreshToken":"{{refresh}}"}""", Encoding.UTF8, "application/json"))).AssertOkJsonAsync();
        var newAccess = refreshed.GetProperty("accessToken").GetString()!;
        Assert.NotEqual(access, newAccess);
        Assert.NotEqual(refresh, refreshed.GetProperty("refreshToken").GetString());
        await (await _client.UserInfoAsync(newAccess)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task Seed000FlowRefusesAMissingHeaderAndAcceptsTheBareToken()
    {
        var (id, username, _) = await _client.NewSessionAsync();

        // curl --request POST '.../user/token'
        var tokenResponse = await _client.PostAsync("/user/token", null);
        var token = await tokenResponse.AssertOkJsonAsync();
        var accessToken = token.GetProperty("access_token").GetString()!;
        var now = app.Time.GetUtcNow().ToUnixTimeSeconds();
        Assert.Equal(now + UserApiFactory.AccessExpireSeconds, token.GetProperty("access_expire").GetInt64());
        Assert.Equal(now + UserApiFactory.AccessExpireSeconds / 2, token.GetProperty("refresh_after").GetInt64());

        // Without the Authorization header: 401.
        var body = $$"""{"userId": "{{id}}"}""";
        var unauthorized = await _client.PostJsonAsync("/user/info", body);
        await unauthorized.AssertInvalidTokenAsync();

        // With the bare token, no "Bearer " prefix, as the seed's curl sends it: 200.
        var authorized = await _client.PostJsonAsync("/user/info", body, accessToken);
        var user = await authorized.AssertOkJsonAsync();
        Assert.Equal(username, user.GetProperty("name").GetString());
    }

    [Fact]
    public async Task AnonymousTokenAcceptsAnEmptyJsonObject()
    {
        var response = await _client.PostJsonAsync("/user/token", "{}");
        var token = await response.AssertOkJsonAsync();
        var claims = Jwt.Payload(token.GetProperty("access_token").GetString()!);
        Assert.Equal("anonymous", claims.GetProperty("role").GetString());
        Assert.False(claims.TryGetProperty("userId", out _));
    }

    [Fact]
    public async Task UserInfoPostAcceptsANumericUserId()
    {
        var (id, username, tokens) = await _client.NewSessionAsync();
        var response = await _client.PostJsonAsync("/user/info", $$"""{"userId": {{id}}}""", $"Bearer {tokens.AccessToken}");
        Assert.Equal(username, (await response.AssertOkJsonAsync()).GetProperty("name").GetString());
    }

    [Fact]
    public async Task UserInfoPostGivesNotFoundForAnUnknownUser()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        var unknown = await _client.PostJsonAsync("/user/info", """{"userId": "999999999"}""", tokens.AccessToken);
        await unknown.AssertProblemAsync(HttpStatusCode.NotFound, "user_not_found");
        var notAnId = await _client.PostJsonAsync("/user/info", """{"userId": "a"}""", tokens.AccessToken);
        await notAnId.AssertProblemAsync(HttpStatusCode.NotFound, "user_not_found");
    }

    [Fact]
    public async Task UserInfoPostRejectsAUserIdOfTheWrongType()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        var response = await _client.PostJsonAsync("/user/info", """{"userId": true}""", tokens.AccessToken);
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var missing = await _client.PostJsonAsync("/user/info", "{}", tokens.AccessToken);
        await missing.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task UserInfoGetIsForbiddenToAnonymousTokens()
    {
        var token = await (await _client.PostAsync("/user/token", null)).AssertOkJsonAsync();
        var response = await _client.UserInfoAsync(token.GetProperty("access_token").GetString()!);
        await response.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task AnonymousTokensAreNotFoundWhenDisabled()
    {
        using var disabled = app.WithSettings(("Auth:AllowAnonymous", "false"));
        var response = await disabled.CreateClient().PostAsync("/user/token", null);
        await response.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task HealthzAnswers()
    {
        var health = await (await _client.GetAsync("/healthz")).AssertOkJsonAsync();
        Assert.Equal("ok", health.GetProperty("status").GetString());
    }
}
