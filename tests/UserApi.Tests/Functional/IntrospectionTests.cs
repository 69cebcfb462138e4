using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using UserApi.Accounts;
using UserApi.Configuration;
using UserApi.Tests.Support;

namespace UserApi.Tests.Functional;

/// <summary>Embedded mode with two introspection clients; the second's secret has the characters form encoding changes.</summary>
public sealed class IntrospectionBackend : EmbeddedBackend
{
    public const string ClientId = "orders-api";
    public const string ClientSecret = "introspection-client-secret-0123456789abcdef";
    public const string OtherId = "billing api";
    public const string OtherSecret = "a+base64/secret=with+plus+and/slash0123456789";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        .. base.Settings(),
        new("Introspection:Clients:0:Id", ClientId),
        new("Introspection:Clients:0:Secret", ClientSecret),
        new("Introspection:Clients:1:Id", OtherId),
        new("Introspection:Clients:1:Secret", OtherSecret),
    ];
}

/// <summary>POST /token/introspect (RFC 7662).</summary>
public sealed class IntrospectionTests(IntrospectionBackend app) : IClassFixture<IntrospectionBackend>
{
    private readonly HttpClient _client = app.CreateClient();

    private Task<HttpResponseMessage> IntrospectAsync(string? token, string? authorization = null, string? basic = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/token/introspect")
        {
            Content = new FormUrlEncodedContent(token is null ? [] : [new("token", token), new("token_type_hint", "access_token")]),
        };
        var credentials = basic ?? $"{IntrospectionBackend.ClientId}:{IntrospectionBackend.ClientSecret}";
        request.Headers.TryAddWithoutValidation("Authorization", authorization ?? "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        return _client.SendAsync(request);
    }

    private async Task AssertInactiveAsync(string token)
    {
        var response = await IntrospectAsync(token);
        Assert.Equal("""{"active":false}""", (await response.AssertOkJsonAsync()).GetRawText());
    }

    [Fact]
    public async Task AnActiveTokenIsAnsweredWithItsClaims()
    {
        var (id, _, tokens) = await _client.NewSessionAsync();
        var response = await IntrospectAsync(tokens.AccessToken);
        var body = await response.AssertOkJsonAsync();
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var payload = Jwt.Payload(tokens.AccessToken);
        Assert.True(body.GetProperty("active").GetBoolean());
        Assert.Equal(id.ToString(), body.GetProperty("sub").GetString());
        Assert.Equal(payload.GetProperty("sid").GetString(), body.GetProperty("sid").GetString());
        Assert.Equal("user", body.GetProperty("role").GetString());
        Assert.Equal(payload.GetProperty("exp").GetInt64(), body.GetProperty("exp").GetInt64());
        Assert.Equal(payload.GetProperty("iat").GetInt64(), body.GetProperty("iat").GetInt64());
        Assert.Equal("user-api", body.GetProperty("iss").GetString());
        Assert.Equal("user-api", body.GetProperty("aud").GetString());
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(["pwd"], body.GetProperty("amr").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task AnAnonymousTokenIsActiveWithoutASession()
    {
        var issued = await (await _client.PostJsonAsync("/user/token", "{}")).AssertOkJsonAsync();
        var body = await (await IntrospectAsync(issued.GetProperty("access_token").GetString())).AssertOkJsonAsync();
        Assert.True(body.GetProperty("active").GetBoolean());
        Assert.Equal("anonymous", body.GetProperty("role").GetString());
        Assert.False(body.TryGetProperty("sid", out _));
        Assert.False(body.TryGetProperty("amr", out _));
    }

    [Fact]
    public async Task ATokenOfAnEndedSessionIsInactiveAtOnce()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        Assert.True((await (await IntrospectAsync(tokens.AccessToken)).AssertOkJsonAsync()).GetProperty("active").GetBoolean());
        Assert.Equal(HttpStatusCode.NoContent, (await _client.SendWithTokenAsync(HttpMethod.Post, "/user/logout", tokens.AccessToken)).StatusCode);
        await AssertInactiveAsync(tokens.AccessToken);
    }

    [Fact]
    public async Task ATokenOfADeletedUserIsInactive()
    {
        var (_, username, tokens) = await _client.NewSessionAsync();
        Assert.Null((await app.Services.GetRequiredService<UserAdministration>().DeleteAsync(username, CancellationToken.None)).Failure);
        await AssertInactiveAsync(tokens.AccessToken);
    }

    [Fact]
    public async Task ExpiredForgedRefreshAndGarbageTokensAreInactive()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        await AssertInactiveAsync(Jwt.Edit(tokens.AccessToken, payload: p => p["role"] = "admin"));
        await AssertInactiveAsync(Jwt.Resign(tokens.AccessToken, "an-attackers-secret-0123456789-abcdefghij"));
        await AssertInactiveAsync(tokens.RefreshToken);
        await AssertInactiveAsync("not-a-token");
        var (_, _, expiring) = await _client.NewSessionAsync();
        // The class's other tests make their own tokens after this: a later clock changes nothing for them.
        app.Time.Advance(TimeSpan.FromSeconds(UserApiFactory.AccessExpireSeconds + UserApiFactory.ClockSkewSeconds + 1));
        await AssertInactiveAsync(expiring.AccessToken);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(null, "orders-api:wrong-secret-0123456789abcdef0123456789")]
    [InlineData(null, "unknown-client:introspection-client-secret-0123456789abcdef")]
    [InlineData(null, "orders-api")]
    [InlineData("Basic !!!not-base64", null)]
    [InlineData("Bearer introspection-client-secret-0123456789abcdef", null)]
    public async Task AnUnauthenticatedCallerIsRefused(string? authorization, string? basic)
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        var response = basic is null && authorization is null
            ? await _client.PostAsync("/token/introspect", new FormUrlEncodedContent([new("token", tokens.AccessToken)]))
            : await IntrospectAsync(tokens.AccessToken, authorization, basic);
        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_client");
        Assert.StartsWith("Basic realm=", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task ASecretIsAcceptedFormEncodedAsRfc6749SaysOrAsTyped()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        var typed = $"{IntrospectionBackend.OtherId}:{IntrospectionBackend.OtherSecret}";
        var encoded = $"{Uri.EscapeDataString(IntrospectionBackend.OtherId)}:{Uri.EscapeDataString(IntrospectionBackend.OtherSecret)}";
        foreach (var basic in new[] { typed, encoded, encoded.Replace("%20", "+") })
        {
            Assert.True((await (await IntrospectAsync(tokens.AccessToken, basic: basic)).AssertOkJsonAsync()).GetProperty("active").GetBoolean());
        }
    }

    [Fact]
    public async Task AMissingTokenOrAJsonBodyIsRefused()
    {
        await (await IntrospectAsync(null)).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var request = new HttpRequestMessage(HttpMethod.Post, "/token/introspect") { Content = new StringContent("""{"token":"x"}""", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{IntrospectionBackend.ClientId}:{IntrospectionBackend.ClientSecret}")));
        await (await _client.SendAsync(request)).AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task WithoutClientsEveryCallerIsRefused()
    {
        await using var plain = new EmbeddedBackend();
        Assert.Empty(plain.Services.GetRequiredService<IOptions<IntrospectionOptions>>().Value.Clients);
        var response = await plain.CreateClient().PostAsync("/token/introspect", new FormUrlEncodedContent([new("token", "x")]));
        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public void BadClientsAreRefusedAtStartUpOneLineEach()
    {
        var options = new IntrospectionOptions
        {
            Clients =
            [
                new() { Id = "a", Secret = IntrospectionBackend.ClientSecret },
                new() { Id = "a", Secret = IntrospectionBackend.OtherSecret },
                new() { Id = "b:c", Secret = IntrospectionBackend.ClientSecret },
                new() { Id = "d", Secret = "short" },
            ],
        };
        var problems = new IntrospectionOptionsValidator().Validate(null, options).Failures!.ToList();
        Assert.Equal(3, problems.Count);
        Assert.StartsWith("Introspection.Clients[1].Id 'a' is also the id of Introspection.Clients[0]", problems[0]);
        Assert.StartsWith("Introspection.Clients[2].Id 'b:c' is not a client id", problems[1]);
        Assert.StartsWith("Introspection.Clients[3].Secret is 5 bytes long", problems[2]);
    }
}
