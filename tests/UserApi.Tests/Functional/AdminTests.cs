using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using UserApi.Accounts;
using UserApi.Tests.Support;

namespace UserApi.Tests.Functional;

/// <summary>
/// The admin API (<c>/admin</c>, docs/design.md §3.8) on every backend: each route for an admin, a non-admin (403),
/// no token (401), an admin demoted or disabled since its token was issued, unknown ids and paging.
/// </summary>
public abstract class AdminTests(UserApiFactory app)
{
    private readonly HttpClient _client = app.CreateClient();

    /// <summary>Every admin route, with a user id that exists, as a method and a path (and a body where it takes one).</summary>
    private static IEnumerable<(HttpMethod Method, string Path, string? Body)> Routes(long id) =>
    [
        (HttpMethod.Get, "/admin/users", null),
        (HttpMethod.Get, $"/admin/users/{id}", null),
        (HttpMethod.Post, "/admin/users", $$"""{"username":"{{ApiClient.NewUsername("never")}}","password":"{{ApiClient.Password}}","role":"user"}"""),
        (HttpMethod.Patch, $"/admin/users/{id}", """{"disabled":true}"""),
        (HttpMethod.Delete, $"/admin/users/{id}", null),
        (HttpMethod.Post, $"/admin/users/{id}/unlock", null),
        (HttpMethod.Get, $"/admin/users/{id}/sessions", null),
        (HttpMethod.Delete, $"/admin/users/{id}/sessions", null),
        (HttpMethod.Delete, $"/admin/users/{id}/sessions/nope", null),
        (HttpMethod.Delete, $"/admin/users/{id}/mfa", null),
        (HttpMethod.Post, "/admin/sessions/revoke-all", null),
        (HttpMethod.Get, "/admin/audit", null),
    ];

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? accessToken, string? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (accessToken is not null)
        {
            request.Headers.Authorization = ApiClient.Bearer(accessToken);
        }
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        return _client.SendAsync(request);
    }

    /// <summary>An admin made the way an operator bootstraps one (the CLI's implementation), logged in.</summary>
    private async Task<(long Id, string Username, IssuedTokens Tokens)> NewAdminAsync()
    {
        var username = ApiClient.NewUsername("admin");
        var created = await app.Services.GetRequiredService<UserAdministration>().CreateAsync(username, ApiClient.Password, Roles.Admin, null, CancellationToken.None);
        Assert.Null(created.Failure);
        var login = await (await _client.LoginAsync(username)).AssertOkJsonAsync();
        return (created.Value!.User.Id, username, login.Deserialize<IssuedTokens>(JsonSerializerOptions.Web)!);
    }

    [Fact]
    public async Task ANonAdminIsForbiddenEveryRouteAndNothingChanges()
    {
        var (id, username, tokens) = await _client.NewSessionAsync("plain");
        foreach (var (method, path, body) in Routes(id))
        {
            await (await SendAsync(method, path, tokens.AccessToken, body)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }
        await (await _client.UserInfoAsync(tokens.AccessToken)).AssertOkJsonAsync();
        await (await _client.LoginAsync(username)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task EveryRouteWantsAToken()
    {
        foreach (var (method, path, body) in Routes(1))
        {
            await (await SendAsync(method, path, null, body)).AssertInvalidTokenAsync();
        }
    }

    [Fact]
    public async Task AnAnonymousTokenIsForbidden()
    {
        var anonymous = await (await _client.PostJsonAsync("/user/token", "{}")).AssertOkJsonAsync();
        await (await SendAsync(HttpMethod.Get, "/admin/users", anonymous.GetProperty("access_token").GetString())).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task AnAdminDemotedSinceItsTokenWasIssuedIsForbiddenWithTheSameToken()
    {
        var (adminId, _, admin) = await NewAdminAsync();
        var (otherId, _, other) = await NewAdminAsync();
        await (await SendAsync(HttpMethod.Get, "/admin/users", admin.AccessToken)).AssertOkJsonAsync();

        var demoted = await (await SendAsync(HttpMethod.Patch, $"/admin/users/{adminId}", other.AccessToken, """{"role":"user"}""")).AssertOkJsonAsync();
        Assert.Equal("user", demoted.GetProperty("role").GetString());

        // The token still says admin; the store does not.
        Assert.Equal("admin", Jwt.Payload(admin.AccessToken).GetProperty("role").GetString());
        await (await SendAsync(HttpMethod.Get, "/admin/users", admin.AccessToken)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await SendAsync(HttpMethod.Get, $"/admin/users/{otherId}", other.AccessToken)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task AnAdminDisabledSinceItsTokenWasIssuedIsRefused()
    {
        var (adminId, _, admin) = await NewAdminAsync();
        var (_, _, other) = await NewAdminAsync();

        await (await SendAsync(HttpMethod.Patch, $"/admin/users/{adminId}", other.AccessToken, """{"disabled":true}""")).AssertOkJsonAsync();

        await (await SendAsync(HttpMethod.Get, "/admin/users", admin.AccessToken)).AssertInvalidTokenAsync("session_revoked");
        await (await _client.RefreshAsync(admin.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
    }

    [Fact]
    public async Task ListingPagesByIdThroughTheUsersWhoseNameStartsWithTheQuery()
    {
        var (_, _, admin) = await NewAdminAsync();
        var prefix = $"page{Guid.NewGuid():N}"[..16];
        var ids = new List<long>();
        foreach (var suffix in new[] { "a", "b", "c" })
        {
            var registered = await (await _client.RegisterAsync($"{prefix}-{suffix}")).AssertOkJsonAsync();
            ids.Add(registered.GetProperty("id").GetInt64());
        }
        await (await _client.RegisterAsync($"x{prefix}")).AssertOkJsonAsync();

        // The query is normalised like a username.
        var first = await (await SendAsync(HttpMethod.Get, $"/admin/users?query={prefix.ToUpperInvariant()}&limit=2", admin.AccessToken)).AssertOkJsonAsync();
        Assert.Equal(ids[..2], first.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("id").GetInt64()));
        Assert.Equal(ids[1], first.GetProperty("next").GetInt64());

        var second = await (await SendAsync(HttpMethod.Get, $"/admin/users?query={prefix}&limit=2&after={ids[1]}", admin.AccessToken)).AssertOkJsonAsync();
        var last = Assert.Single(second.GetProperty("users").EnumerateArray());
        Assert.Equal(ids[2], last.GetProperty("id").GetInt64());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);

        Assert.Equal(
            ["createdAt", "disabled", "id", "lastLoginAt", "locked", "role", "sessions", "username"],
            last.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=101")]
    [InlineData("after=-1")]
    [InlineData("limit=ten")]
    public async Task ListingRefusesABadPage(string parameters)
    {
        var (_, _, admin) = await NewAdminAsync();
        var response = await SendAsync(HttpMethod.Get, $"/admin/users?{parameters}", admin.AccessToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task OneUserShowsItsSessionsAndLastLogin()
    {
        var (_, _, admin) = await NewAdminAsync();
        var (id, username, _) = await _client.NewSessionAsync("shown");
        await (await _client.LoginAsync(username)).AssertOkJsonAsync();

        var user = await (await SendAsync(HttpMethod.Get, $"/admin/users/{id}", admin.AccessToken)).AssertOkJsonAsync();
        Assert.Equal(username, user.GetProperty("username").GetString());
        Assert.Equal("user", user.GetProperty("role").GetString());
        Assert.False(user.GetProperty("disabled").GetBoolean());
        Assert.False(user.GetProperty("locked").GetBoolean());
        Assert.Equal(2, user.GetProperty("sessions").GetInt32());
        Assert.Equal(JsonValueKind.String, user.GetProperty("lastLoginAt").ValueKind);
    }

    [Fact]
    public async Task UnknownIdsAreNotFound()
    {
        var (_, _, admin) = await NewAdminAsync();
        const long unknown = long.MaxValue - 7;
        foreach (var (method, path, body) in Routes(unknown).Where(r => r.Path.Contains(unknown.ToString(), StringComparison.Ordinal)))
        {
            await (await SendAsync(method, path, admin.AccessToken, body)).AssertProblemAsync(HttpStatusCode.NotFound, "user_not_found");
        }
        var (id, _, _) = await _client.NewSessionAsync("sessioned");
        await (await SendAsync(HttpMethod.Delete, $"/admin/users/{id}/sessions/not-a-session", admin.AccessToken)).AssertProblemAsync(HttpStatusCode.NotFound, "session_not_found");
    }

    [Fact]
    public async Task CreatingAUserAnswers201AndTheUserCanLogIn()
    {
        var (_, _, admin) = await NewAdminAsync();
        var username = ApiClient.NewUsername("made");
        var response = await SendAsync(HttpMethod.Post, "/admin/users", admin.AccessToken, $$"""{"username":"{{username}}","password":"{{ApiClient.Password}}","role":"admin"}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        var created = JsonDocument.Parse(body).RootElement;
        Assert.Equal($"/admin/users/{created.GetProperty("id").GetInt64()}", response.Headers.Location?.ToString());
        Assert.Equal("admin", created.GetProperty("role").GetString());
        Assert.DoesNotContain("password", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("$argon2", body, StringComparison.Ordinal);

        var login = await (await _client.LoginAsync(username)).AssertOkJsonAsync();
        await (await SendAsync(HttpMethod.Get, "/admin/users", login.GetProperty("accessToken").GetString())).AssertOkJsonAsync();

        await (await SendAsync(HttpMethod.Post, "/admin/users", admin.AccessToken, $$"""{"username":"{{username}}","password":"{{ApiClient.Password}}"}"""))
            .AssertProblemAsync(HttpStatusCode.Conflict, "username_taken");
    }

    [Theory]
    [InlineData("""{"username":"NAME","password":"correct horse battery","role":"root"}""", "role")]
    [InlineData("""{"username":"NAME","password":"correct horse battery","role":"anonymous"}""", "role")]
    [InlineData("""{"username":"NAME","password":"short","role":"user"}""", "password")]
    [InlineData("""{"username":"NAME","role":"user"}""", "password")]
    [InlineData("""{"password":"correct horse battery"}""", "username")]
    public async Task CreatingAUserRefusesBadInputAndStoresNothing(string json, string field)
    {
        var (_, _, admin) = await NewAdminAsync();
        var username = ApiClient.NewUsername("refused");
        var problem = await (await SendAsync(HttpMethod.Post, "/admin/users", admin.AccessToken, json.Replace("NAME", username, StringComparison.Ordinal)))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
        var listed = await (await SendAsync(HttpMethod.Get, $"/admin/users?query={username}", admin.AccessToken)).AssertOkJsonAsync();
        Assert.Empty(listed.GetProperty("users").EnumerateArray());
    }

    [Fact]
    public async Task PatchingChangesTheRoleIdempotentlyAndRefusesAnUnknownRole()
    {
        var (_, _, admin) = await NewAdminAsync();
        var (id, _, tokens) = await _client.NewSessionAsync("promoted");

        for (var i = 0; i < 2; i++)
        {
            var patched = await (await SendAsync(HttpMethod.Patch, $"/admin/users/{id}", admin.AccessToken, """{"role":"admin"}""")).AssertOkJsonAsync();
            Assert.Equal("admin", patched.GetProperty("role").GetString());
        }
        // The promoted user's existing token (role "user") now passes: the store decides.
        await (await SendAsync(HttpMethod.Get, "/admin/users", tokens.AccessToken)).AssertOkJsonAsync();

        await (await SendAsync(HttpMethod.Patch, $"/admin/users/{id}", admin.AccessToken, """{"role":"superuser"}""")).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var unchanged = await (await SendAsync(HttpMethod.Get, $"/admin/users/{id}", admin.AccessToken)).AssertOkJsonAsync();
        Assert.Equal("admin", unchanged.GetProperty("role").GetString());
    }

    [Fact]
    public async Task DisablingEndsEverySessionAtOnceAndEnablingLetsTheUserBack()
    {
        var (_, _, admin) = await NewAdminAsync();
        var (id, username, tokens) = await _client.NewSessionAsync("disabled");

        var disabled = await (await SendAsync(HttpMethod.Patch, $"/admin/users/{id}", admin.AccessToken, """{"disabled":true}""")).AssertOkJsonAsync();
        Assert.True(disabled.GetProperty("disabled").GetBoolean());
        Assert.Equal(0, disabled.GetProperty("sessions").GetInt32());
        await (await _client.SendWithTokenAsync(HttpMethod.Get, "/user/sessions", tokens.AccessToken)).AssertInvalidTokenAsync("session_revoked");
        await (await _client.RefreshAsync(tokens.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        await (await _client.LoginAsync(username)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");

        await (await SendAsync(HttpMethod.Patch, $"/admin/users/{id}", admin.AccessToken, """{"disabled":true}""")).AssertOkJsonAsync();
        var enabled = await (await SendAsync(HttpMethod.Patch, $"/admin/users/{id}", admin.AccessToken, """{"disabled":false}""")).AssertOkJsonAsync();
        Assert.False(enabled.GetProperty("disabled").GetBoolean());
        await (await _client.LoginAsync(username)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task DeletingEndsTheSessionsAndASecondDeleteIsNotFound()
    {
        var (_, _, admin) = await NewAdminAsync();
        var (id, username, tokens) = await _client.NewSessionAsync("deleted");

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"/admin/users/{id}", admin.AccessToken)).StatusCode);
        await (await _client.SendWithTokenAsync(HttpMethod.Get, "/user/sessions", tokens.AccessToken)).AssertInvalidTokenAsync("session_revoked");
        await (await _client.RefreshAsync(tokens.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        await (await _client.LoginAsync(username)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await (await SendAsync(HttpMethod.Delete, $"/admin/users/{id}", admin.AccessToken)).AssertProblemAsync(HttpStatusCode.NotFound, "user_not_found");
    }

    [Fact]
    public async Task UnlockingClearsTheFailedLoginLock()
    {
        var (_, _, admin) = await NewAdminAsync();
        var (id, username, _) = await _client.NewSessionAsync("locked");
        for (var i = 0; i < 5; i++)
        {
            await (await _client.LoginAsync(username, "wrong password entirely")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }
        await (await _client.LoginAsync(username)).AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        var locked = await (await SendAsync(HttpMethod.Get, $"/admin/users/{id}", admin.AccessToken)).AssertOkJsonAsync();
        Assert.True(locked.GetProperty("locked").GetBoolean());

        var unlocked = await (await SendAsync(HttpMethod.Post, $"/admin/users/{id}/unlock", admin.AccessToken)).AssertOkJsonAsync();
        Assert.False(unlocked.GetProperty("locked").GetBoolean());
        await (await _client.LoginAsync(username)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task AnAdminListsAndEndsAUsersSessions()
    {
        var (_, _, admin) = await NewAdminAsync();
        var (id, username, first) = await _client.NewSessionAsync("sessions");
        var second = (await (await _client.LoginAsync(username)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        var third = (await (await _client.LoginAsync(username)).Content.ReadFromJsonAsync<IssuedTokens>())!;

        var listed = await (await SendAsync(HttpMethod.Get, $"/admin/users/{id}/sessions", admin.AccessToken)).AssertOkJsonAsync();
        var sessions = listed.GetProperty("sessions").EnumerateArray().ToList();
        Assert.Equal(3, sessions.Count);
        Assert.All(sessions, s => Assert.False(s.GetProperty("current").GetBoolean()));
        var firstSession = Jwt.Payload(first.AccessToken).GetProperty("sid").GetString()!;
        Assert.Contains(firstSession, sessions.Select(s => s.GetProperty("id").GetString()));

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"/admin/users/{id}/sessions/{firstSession}", admin.AccessToken)).StatusCode);
        await (await _client.UserInfoAsync(first.AccessToken)).AssertInvalidTokenAsync("session_revoked");
        await (await _client.UserInfoAsync(second.AccessToken)).AssertOkJsonAsync();
        await (await SendAsync(HttpMethod.Delete, $"/admin/users/{id}/sessions/{firstSession}", admin.AccessToken)).AssertProblemAsync(HttpStatusCode.NotFound, "session_not_found");

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"/admin/users/{id}/sessions", admin.AccessToken)).StatusCode);
        await (await _client.UserInfoAsync(second.AccessToken)).AssertInvalidTokenAsync("session_revoked");
        await (await _client.RefreshAsync(third.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        var none = await (await SendAsync(HttpMethod.Get, $"/admin/users/{id}/sessions", admin.AccessToken)).AssertOkJsonAsync();
        Assert.Empty(none.GetProperty("sessions").EnumerateArray());
    }

    [Fact]
    public async Task TheRoutesAreInTheOpenApiDocumentUnderTheAdminTag()
    {
        var document = await (await _client.GetAsync("/openapi/v1.json")).AssertOkJsonAsync();
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/admin/users", "/admin/users/{id}", "/admin/users/{id}/unlock", "/admin/users/{id}/sessions", "/admin/users/{id}/sessions/{sid}", "/admin/sessions/revoke-all", "/admin/audit" })
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is not in the document");
            foreach (var operation in item.EnumerateObject().Where(o => o.Value.ValueKind == JsonValueKind.Object && o.Value.TryGetProperty("tags", out _)))
            {
                Assert.Contains("Admin", operation.Value.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
            }
        }
    }
}

public sealed class EmbeddedAdminTests(EmbeddedBackend app) : AdminTests(app), IClassFixture<EmbeddedBackend>;

public sealed class MySqlRedisAdminTests(MySqlRedisBackend app) : AdminTests(app), IClassFixture<MySqlRedisBackend>;

public sealed class MySqlRedisClusterAdminTests(MySqlRedisClusterBackend app) : AdminTests(app), IClassFixture<MySqlRedisClusterBackend>;
