using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using UserApi.Tests.Passwords;
using UserApi.Tests.Security;
using UserApi.Tests.Support;

namespace UserApi.Tests.MySqlAndRedis;

/// <summary>
/// The service in production mode, over HTTP: each test goes through a path that differs from the embedded
/// one (the goctl-style user cache, the Lua session scripts, the revocation feed, the shared login-failure
/// counters, MariaDB's unique index, the readiness checks). The rules themselves are specified once, in the
/// store contract suites (Sessions/, Users/, Security/...StoreContract) and the embedded functional suites.
/// </summary>
public abstract class ProductionSmokeTests(UserApiFactory app)
{
    private readonly HttpClient _client = app.CreateClient();

    [Fact]
    public async Task TheSeed003FlowRegistersLogsInReadsInfoAndRefreshes()
    {
        var username = ApiClient.NewUsername("alice");
        var user = await (await _client.PostAsync("/user/register", Json($$"""{"username":"{{username}}","password":"secret123"}"""))).AssertOkJsonAsync();
        var id = user.GetProperty("id").GetInt64();

        var login = await _client.PostAsync("/user/login", Json($$"""{"username":"{{username}}","password":"secret123"}"""));
        var tokens = await login.AssertOkJsonAsync();
        var access = tokens.GetProperty("accessToken").GetString()!;
        var info = await (await _client.UserInfoAsync(access)).AssertOkJsonAsync();
        Assert.Equal(id, info.GetProperty("id").GetInt64());
        Assert.Equal(username, info.GetProperty("username").GetString());

        // A rotation is stamped with Redis's clock (the session scripts), the check with the service's, which here is
        // a fake one frozen when the class started: under a loaded suite that can be more than ClockSkew ago, and
        // the refreshed token's iat would be in the future. Bring the service's clock up to the real time first.
        if (DateTimeOffset.UtcNow > app.Time.GetUtcNow())
        {
            app.Time.SetUtcNow(DateTimeOffset.UtcNow);
        }
        var refreshed = await (await _client.RefreshAsync(tokens.GetProperty("refreshToken").GetString()!)).AssertOkJsonAsync();
        Assert.NotEqual(access, refreshed.GetProperty("accessToken").GetString());
        await (await _client.UserInfoAsync(refreshed.GetProperty("accessToken").GetString()!)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task TheSeed000FlowServesAnAnonymousTokenAndTheUserByIdToTheBareToken()
    {
        var (id, username, _) = await _client.NewSessionAsync();
        var token = (await (await _client.PostAsync("/user/token", null)).AssertOkJsonAsync()).GetProperty("access_token").GetString()!;

        var body = $$"""{"userId": "{{id}}"}""";
        await (await _client.PostJsonAsync("/user/info", body)).AssertInvalidTokenAsync();
        var user = await (await _client.PostJsonAsync("/user/info", body, token)).AssertOkJsonAsync();
        Assert.Equal(username, user.GetProperty("name").GetString());
        await (await _client.PostJsonAsync("/user/info", """{"userId": "999999999"}""", token)).AssertProblemAsync(HttpStatusCode.NotFound, "user_not_found");
    }

    [Fact]
    public async Task ThePreviousRefreshTokenWithinTheReuseIntervalReturnsTheCurrentPairAgain()
    {
        var (_, _, first) = await _client.NewSessionAsync();
        var second = await TokensOf(await _client.RefreshAsync(first.RefreshToken));
        app.Time.Advance(TimeSpan.FromSeconds(9));

        var again = await TokensOf(await _client.RefreshAsync(first.RefreshToken));

        Assert.Equal((second.AccessToken, second.RefreshToken), (again.AccessToken, again.RefreshToken));
        await TokensOf(await _client.RefreshAsync(second.RefreshToken));
    }

    [Fact]
    public async Task ThePreviousRefreshTokenAfterTheReuseIntervalEndsTheSession()
    {
        // The script measures the interval on Redis's clock, which a test cannot move: a short interval, and
        // the retry repeated (a replay changes nothing) until the interval has passed.
        using var strict = app.WithSettings(("Auth:RefreshReuseInterval", "1"));
        var client = strict.CreateClient();
        var (_, _, first) = await client.NewSessionAsync();
        var second = await TokensOf(await client.RefreshAsync(first.RefreshToken));

        var retry = await Poll.UntilAsync(() => client.RefreshAsync(first.RefreshToken), r => r.StatusCode != HttpStatusCode.OK, TimeSpan.FromSeconds(10));

        await retry.AssertProblemAsync(HttpStatusCode.Unauthorized, "refresh_token_reused");
        await AssertSessionEndedAsync(second, client);
    }

    [Fact]
    public async Task ParallelRefreshesOfOneTokenAllGetTheSameSuccessorPair()
    {
        var (_, _, first) = await _client.NewSessionAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _client.RefreshAsync(first.RefreshToken)));

        var pairs = await Task.WhenAll(responses.Select(TokensOf));
        Assert.Single(pairs.Select(p => (p.AccessToken, p.RefreshToken)).Distinct());
        await TokensOf(await _client.RefreshAsync(pairs[0].RefreshToken));
    }

    [Fact]
    public async Task LogoutEndsOneSessionAndLogoutAllEndsEveryOtherOfTheUser()
    {
        var (_, username, first) = await _client.NewSessionAsync();
        var second = await TokensOf(await _client.LoginAsync(username));
        var third = await TokensOf(await _client.LoginAsync(username));
        var (_, _, someoneElse) = await _client.NewSessionAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await _client.SendWithTokenAsync(HttpMethod.Post, "/user/logout", first.AccessToken)).StatusCode);
        await AssertSessionEndedAsync(first);
        await (await _client.UserInfoAsync(second.AccessToken)).AssertOkJsonAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await _client.SendWithTokenAsync(HttpMethod.Post, "/user/logout/all", second.AccessToken)).StatusCode);
        await AssertSessionEndedAsync(second);
        await AssertSessionEndedAsync(third);
        await (await _client.UserInfoAsync(someoneElse.AccessToken)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task ChangingThePasswordEndsTheOtherSessionsAndRefusesTheOldPassword()
    {
        var (_, username, current) = await _client.NewSessionAsync();
        var other = await TokensOf(await _client.LoginAsync(username));

        var changed = await _client.PostJsonAsync("/user/password", $$"""{"oldPassword":"{{ApiClient.Password}}","newPassword":"a brand new password"}""", $"Bearer {current.AccessToken}");

        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        await (await _client.UserInfoAsync(current.AccessToken)).AssertOkJsonAsync();
        await AssertSessionEndedAsync(other);
        await (await _client.LoginAsync(username)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await TokensOf(await _client.LoginAsync(username, "a brand new password"));
    }

    [Fact]
    public async Task SessionsAreListedNewestFirstWithTheirClientAndTheCurrentOneMarked()
    {
        var username = ApiClient.NewUsername();
        await (await _client.RegisterAsync(username)).AssertOkJsonAsync();
        var phone = new HttpRequestMessage(HttpMethod.Post, "/user/login") { Content = JsonContent.Create(new { username, password = ApiClient.Password }) };
        phone.Headers.UserAgent.ParseAdd("Phone/1.0");
        phone.Headers.Add(UserApiFactory.RemoteIpHeader, "198.51.100.23");
        var first = await TokensOf(await _client.SendAsync(phone));
        app.Time.Advance(TimeSpan.FromSeconds(1));
        var second = await TokensOf(await _client.LoginAsync(username));

        var list = await (await _client.SendWithTokenAsync(HttpMethod.Get, "/user/sessions", first.AccessToken)).AssertOkJsonAsync();

        var sessions = list.GetProperty("sessions").EnumerateArray().ToList();
        Assert.Equal([SessionOf(second), SessionOf(first)], sessions.Select(s => s.GetProperty("id").GetString()));
        Assert.Equal([false, true], sessions.Select(s => s.GetProperty("current").GetBoolean()));
        Assert.Equal("Phone/1.0", sessions[1].GetProperty("userAgent").GetString());
        Assert.Equal("198.51.100.23", sessions[1].GetProperty("ip").GetString());
        Assert.Equal(app.Time.GetUtcNow() - TimeSpan.FromSeconds(1), sessions[1].GetProperty("createdAt").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task ALoginBeyondTheSessionLimitEndsTheOldestSession()
    {
        using var limited = app.WithSettings(("Auth:MaxSessionsPerUser", "2"));
        var client = limited.CreateClient();
        var (_, username, oldest) = await client.NewSessionAsync();
        var logins = new List<IssuedTokens>();
        for (var i = 0; i < 2; i++)
        {
            app.Time.Advance(TimeSpan.FromMilliseconds(10));
            logins.Add(await TokensOf(await client.LoginAsync(username)));
        }

        await AssertSessionEndedAsync(oldest, client);
        foreach (var tokens in logins)
        {
            await (await client.UserInfoAsync(tokens.AccessToken)).AssertOkJsonAsync();
        }
    }

    [Fact]
    public async Task ParallelWrongPasswordsOnTwoInstancesAreCheckedNoMoreThanTheLimitAllows()
    {
        using var other = app.WithWebHostBuilder(_ => { });
        var (a, b) = (_client, other.CreateClient());
        var username = ApiClient.NewUsername();
        await (await a.RegisterAsync(username)).AssertOkJsonAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => (i % 2 == 0 ? a : b).LoginAsync(username, "wrong password")));

        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
        Assert.Equal(55, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task FailedLoginsOnOneInstanceLockTheAccountOnAnother()
    {
        using var other = app.WithWebHostBuilder(_ => { });
        var (a, b) = (_client, other.CreateClient());
        var username = ApiClient.NewUsername();
        await (await a.RegisterAsync(username)).AssertOkJsonAsync();
        for (var i = 0; i < 5; i++)
        {
            await (await a.LoginAsync(username, "wrong password")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }

        var locked = await b.LoginAsync(username);

        await locked.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        var retryAfter = long.Parse(locked.Headers.GetValues("Retry-After").Single());
        app.Time.Advance(TimeSpan.FromSeconds(retryAfter + 1));
        await (await b.LoginAsync(username)).AssertOkJsonAsync();
        // The success on B cleared the shared counter: one new failure on A does not lock again.
        await (await a.LoginAsync(username, "wrong password")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await (await a.LoginAsync(username)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task AUserImportedByTheCommandLogsInWithItsOldPasswordAndKeepsItsIdAndRole()
    {
        var directory = Directory.CreateTempSubdirectory("user-api-smoke-import-").FullName;
        try
        {
            var username = ApiClient.NewUsername("imported");
            var id = 50_000_000_000_000L + RandomNumberGenerator.GetInt32(1, int.MaxValue);
            var file = Path.Combine(directory, "users.jsonl");
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { id, username, passwordHash = ImportedPasswordHashesTests.GoBcrypt, role = "admin" }) + "\n");
            var environment = new Dictionary<string, string>(app.BackendEnvironment())
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["UserApi__Auth__AccessSecret"] = UserApiFactory.AccessSecret,
                ["UserApi__Auth__RefreshSecret"] = UserApiFactory.RefreshSecret,
            };
            await using (var import = ServiceProcess.Start(["import", file], environment, directory))
            {
                Assert.True(await import.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, import.Output);
                Assert.Contains("1 imported, 0 already present, 0 refused.", import.Output);
            }

            // The first login verifies the bcrypt hash and replaces it; the second verifies the replacement.
            for (var i = 0; i < 2; i++)
            {
                var tokens = await TokensOf(await _client.LoginAsync(username, ImportedPasswordHashesTests.GoBcryptPassword));
                var info = await (await _client.UserInfoAsync(tokens.AccessToken)).AssertOkJsonAsync();
                Assert.Equal(id, info.GetProperty("id").GetInt64());
                Assert.Equal("admin", info.GetProperty("role").GetString());
            }
            await (await _client.LoginAsync(username, "not the password")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task RegisteringANameTakenInAnyOfItsFormsIsAConflict()
    {
        var username = $"taken{Guid.NewGuid():N}"[..16];
        await (await _client.RegisterAsync(username)).AssertOkJsonAsync();

        foreach (var lookalike in new[] { username, username.ToUpperInvariant(), new string(username.Select(c => (char)(c + 0xFEE0)).ToArray()) })
        {
            await (await _client.RegisterAsync(lookalike, "another password")).AssertProblemAsync(HttpStatusCode.Conflict, "username_taken");
        }
        await (await _client.LoginAsync(username.ToUpperInvariant())).AssertOkJsonAsync();
    }

    [Fact]
    public async Task ReadinessMetricsAndTheOpenApiDocumentAreServed()
    {
        // /readyz checks the database and Redis.
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/readyz")).StatusCode);
        var metrics = await _client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal("text/plain", metrics.Content.Headers.ContentType?.MediaType);
        Assert.Contains("# TYPE dotnet_gc_collections_total counter", await metrics.Content.ReadAsStringAsync());
        var document = await (await _client.GetAsync("/openapi/v1.json")).AssertOkJsonAsync();
        Assert.StartsWith("3.1", document.GetProperty("openapi").GetString());
        Assert.True(document.GetProperty("paths").TryGetProperty("/user/refresh", out _));
    }

    [Fact]
    public Task AFullFlowLogsNoPasswordTokenOrSecret() => LogSecrecy.AssertAFullFlowLogsNoSecretAsync(app);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string SessionOf(IssuedTokens tokens) => Jwt.Payload(tokens.AccessToken).GetProperty("sid").GetString()!;

    private static async Task<IssuedTokens> TokensOf(HttpResponseMessage response)
    {
        await response.AssertOkJsonAsync();
        return (await response.Content.ReadFromJsonAsync<IssuedTokens>())!;
    }

    private async Task AssertSessionEndedAsync(IssuedTokens tokens, HttpClient? client = null)
    {
        client ??= _client;
        await (await client.UserInfoAsync(tokens.AccessToken)).AssertInvalidTokenAsync("session_revoked");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.RefreshAsync(tokens.RefreshToken)).StatusCode);
    }
}

public sealed class MySqlRedisSmokeTests(MySqlRedisBackend app) : ProductionSmokeTests(app), IClassFixture<MySqlRedisBackend>;

public sealed class MySqlRedisClusterSmokeTests(MySqlRedisClusterBackend app) : ProductionSmokeTests(app), IClassFixture<MySqlRedisClusterBackend>;
