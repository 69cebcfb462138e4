using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using UserApi.Tests.Support;

namespace UserApi.Tests.Functional;

/// <summary>Register and login: every success and every refusal, with the stable error codes.</summary>
public sealed class AccountTests(EmbeddedBackend app) : IClassFixture<EmbeddedBackend>
{
    private readonly HttpClient _client = app.CreateClient();

    [Fact]
    public async Task RegisterReturnsTheNewUser()
    {
        var username = ApiClient.NewUsername();
        var user = await (await _client.RegisterAsync(username)).AssertOkJsonAsync();
        Assert.True(user.GetProperty("id").GetInt64() > 0);
        Assert.Equal(username, user.GetProperty("username").GetString());
        Assert.Equal("user", user.GetProperty("role").GetString());
        Assert.False(user.TryGetProperty("passwordHash", out _));
    }

    [Fact]
    public async Task RegisterFailsGivenATakenUsername()
    {
        var username = ApiClient.NewUsername();
        await (await _client.RegisterAsync(username)).AssertOkJsonAsync();
        await (await _client.RegisterAsync(username, "another password")).AssertProblemAsync(HttpStatusCode.Conflict, "username_taken");
    }

    [Theory]
    [InlineData("upper")]
    [InlineData("fullwidth")]
    [InlineData("trailing-space")]
    public async Task RegisterFailsGivenAUsernameThatNormalisesToATakenOne(string variant)
    {
        var username = $"admin{Guid.NewGuid():N}"[..16];
        await (await _client.RegisterAsync(username)).AssertOkJsonAsync();
        var lookalike = variant switch
        {
            "upper" => username.ToUpperInvariant(),
            "fullwidth" => new string(username.Select(c => (char)(c + 0xFEE0)).ToArray()),
            _ => username + " ",
        };
        await (await _client.RegisterAsync(lookalike)).AssertProblemAsync(HttpStatusCode.Conflict, "username_taken");

        // Login normalises the same way: the look-alike name reaches the same account.
        await (await _client.LoginAsync(lookalike)).AssertOkJsonAsync();
    }

    [Theory]
    [InlineData("""{"password":"correct horse"}""", "username")]
    [InlineData("""{"username":"someone"}""", "password")]
    [InlineData("""{"username":"someone","password":"short"}""", "password")]
    [InlineData("""{"username":"","password":"correct horse"}""", "username")]
    [InlineData("""{"username":"bad\u0000name","password":"correct horse"}""", "username")]
    [InlineData("""{"username":"zero\u200Bwidth","password":"correct horse"}""", "username")]
    public async Task RegisterFailsValidation(string body, string field)
    {
        var response = await _client.PostJsonAsync("/user/register", body);
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task RegisterFailsGivenAPasswordOver1024Bytes()
    {
        var response = await _client.RegisterAsync(ApiClient.NewUsername(), new string('p', 1025));
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task RegisterStoresNothingWhenValidationFails()
    {
        var username = ApiClient.NewUsername();
        await (await _client.RegisterAsync(username, "short")).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await _client.LoginAsync(username, "short")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await (await _client.RegisterAsync(username)).AssertOkJsonAsync();
    }

    [Theory]
    [InlineData("/user/register")]
    [InlineData("/user/login")]
    [InlineData("/user/refresh")]
    public async Task MalformedJsonIsABadRequest(string path)
    {
        foreach (var body in new[] { "{", "{\"username\":", "not json", "[]", "null", "" })
        {
            var response = await _client.PostJsonAsync(path, body);
            await response.AssertProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
        }
    }

    [Theory]
    [InlineData("""{"username": 42, "password": "correct horse"}""")]
    [InlineData("""{"username": "someone", "password": ["correct horse"]}""")]
    [InlineData("""{"username": "someone", "password": {"a": 1}}""")]
    [InlineData("""{"username": "someone", "password": null}""")]
    public async Task WrongJsonTypesAreABadRequest(string body)
    {
        var register = await _client.PostJsonAsync("/user/register", body);
        Assert.Equal(HttpStatusCode.BadRequest, register.StatusCode);
        Assert.Equal("application/problem+json", register.Content.Headers.ContentType?.MediaType);
        var login = await _client.PostJsonAsync("/user/login", body);
        Assert.Equal(HttpStatusCode.BadRequest, login.StatusCode);
    }

    [Fact]
    public async Task DuplicateJsonPropertiesAreABadRequest()
    {
        var response = await _client.PostJsonAsync("/user/register", $$"""{"username":"{{ApiClient.NewUsername()}}","username":"other","password":"correct horse"}""");
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task AWrongContentTypeIsUnsupported(string contentType)
    {
        var content = new StringContent("""{"username":"someone","password":"correct horse"}""", Encoding.UTF8, contentType);
        var response = await _client.PostAsync("/user/login", content);
        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task AMissingContentTypeIsUnsupported()
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"username":"someone","password":"correct horse"}"""));
        var response = await _client.PostAsync("/user/register", content);
        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task LoginFailsGivenAWrongPassword()
    {
        var username = ApiClient.NewUsername();
        await (await _client.RegisterAsync(username)).AssertOkJsonAsync();
        await (await _client.LoginAsync(username, "wrong password")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
    }

    [Fact]
    public async Task LoginGivesTheSameAnswerForAnUnknownUserAndAWrongPassword()
    {
        var username = ApiClient.NewUsername();
        await (await _client.RegisterAsync(username)).AssertOkJsonAsync();
        var wrongPassword = await _client.LoginAsync(username, "wrong password");
        var unknownUser = await _client.LoginAsync(ApiClient.NewUsername("nobody"), "wrong password");

        var wrong = await wrongPassword.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        var unknown = await unknownUser.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Equal(wrong.GetProperty("title").GetString(), unknown.GetProperty("title").GetString());
        Assert.Equal(
            wrongPassword.Headers.Select(h => h.Key).Order(),
            unknownUser.Headers.Select(h => h.Key).Order());
    }

    [Fact]
    public async Task LoginKeepsLeadingAndTrailingSpacesOfThePassword()
    {
        var username = ApiClient.NewUsername();
        await (await _client.RegisterAsync(username, " spaced password ")).AssertOkJsonAsync();
        await (await _client.LoginAsync(username, "spaced password")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await (await _client.LoginAsync(username, " spaced password ")).AssertOkJsonAsync();
    }

    [Fact]
    public async Task LoginTreatsCanonicallyEquivalentPasswordsAsOne()
    {
        var username = ApiClient.NewUsername();
        await (await _client.RegisterAsync(username, "ma\u00F1ana-password")).AssertOkJsonAsync();
        await (await _client.LoginAsync(username, "man\u0303ana-password")).AssertOkJsonAsync();
    }

    [Fact]
    public async Task LoginDoesNotTruncateLongPasswords()
    {
        var username = ApiClient.NewUsername();
        var prefix = new string('a', 72);
        await (await _client.RegisterAsync(username, prefix + "first tail")).AssertOkJsonAsync();
        await (await _client.LoginAsync(username, prefix + "other tail")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await (await _client.LoginAsync(username, prefix + "first tail")).AssertOkJsonAsync();
    }

    [Fact]
    public async Task LoginIssuesTokensWithTheContractClaims()
    {
        var (id, _, tokens) = await _client.NewSessionAsync();
        var now = app.Time.GetUtcNow().ToUnixTimeSeconds();

        var header = Jwt.Header(tokens.AccessToken);
        Assert.Equal("HS256", header.GetProperty("alg").GetString());
        Assert.Equal("at+jwt", header.GetProperty("typ").GetString());
        var access = Jwt.Payload(tokens.AccessToken);
        Assert.Equal(id.ToString(), access.GetProperty("sub").GetString());
        Assert.Equal(JsonValueKind.Number, access.GetProperty("userId").ValueKind);
        Assert.Equal(id, access.GetProperty("userId").GetInt64());
        Assert.Equal("user", access.GetProperty("role").GetString());
        Assert.Equal("user-api", access.GetProperty("iss").GetString());
        Assert.Equal("user-api", access.GetProperty("aud").GetString());
        Assert.Equal(now, access.GetProperty("iat").GetInt64());
        Assert.Equal(now, access.GetProperty("nbf").GetInt64());
        Assert.Equal(now + UserApiFactory.AccessExpireSeconds, access.GetProperty("exp").GetInt64());
        Assert.False(string.IsNullOrEmpty(access.GetProperty("jti").GetString()));
        var sessionId = access.GetProperty("sid").GetString();
        Assert.False(string.IsNullOrEmpty(sessionId));

        Assert.Equal("rt+jwt", Jwt.Header(tokens.RefreshToken).GetProperty("typ").GetString());
        var refresh = Jwt.Payload(tokens.RefreshToken);
        Assert.Equal(id.ToString(), refresh.GetProperty("sub").GetString());
        Assert.Equal(sessionId, refresh.GetProperty("sid").GetString());
        Assert.NotEqual(access.GetProperty("jti").GetString(), refresh.GetProperty("jti").GetString());
        Assert.Equal(now + tokens.RefreshExpiresIn, refresh.GetProperty("exp").GetInt64());
        Assert.Equal(now + UserApiFactory.AccessExpireSeconds / 2, tokens.RefreshAfter);
    }

    [Fact]
    public async Task UnknownRoutesAreProblems()
    {
        var response = await _client.GetAsync("/user/nothing-here");
        await response.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        var wrongMethod = await _client.GetAsync("/user/login");
        await wrongMethod.AssertProblemAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    [Fact]
    public async Task ExtraFieldsDoNotChangeTheStoredUser()
    {
        var username = ApiClient.NewUsername();
        var response = await _client.PostAsJsonAsync("/user/register", new { username, password = ApiClient.Password, role = "admin", id = 1 });
        var user = await response.AssertOkJsonAsync();
        Assert.Equal("user", user.GetProperty("role").GetString());
        var tokens = (await (await _client.LoginAsync(username)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        var info = await (await _client.UserInfoAsync(tokens.AccessToken)).AssertOkJsonAsync();
        Assert.Equal("user", info.GetProperty("role").GetString());
        Assert.Equal(user.GetProperty("id").GetInt64(), info.GetProperty("id").GetInt64());
    }
}
