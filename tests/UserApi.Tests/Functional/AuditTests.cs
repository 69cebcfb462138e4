using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using UserApi.Accounts;
using UserApi.Audit;
using UserApi.Tests.Support;

namespace UserApi.Tests.Functional;

/// <summary>
/// The audit log on every backend: each event type lands in <c>audit_events</c> with its actor, subject, session and
/// the request's client, and no password, hash or token; <c>GET /admin/audit</c> filters and pages it, newest first.
/// </summary>
public abstract class AuditTests(UserApiFactory app)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly HttpClient _client = CreateClient(app);

    private static HttpClient CreateClient(UserApiFactory app)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add(UserApiFactory.RemoteIpHeader, "203.0.113.9");
        client.DefaultRequestHeaders.UserAgent.ParseAdd("audit-tests/1.0");
        return client;
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string accessToken, string? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Headers = { Authorization = ApiClient.Bearer(accessToken) } };
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        return _client.SendAsync(request);
    }

    private async Task<(long Id, IssuedTokens Tokens)> NewAdminAsync()
    {
        var username = ApiClient.NewUsername("auditor");
        var created = await app.Services.GetRequiredService<UserAdministration>().CreateAsync(username, ApiClient.Password, Roles.Admin, null, CancellationToken.None);
        Assert.Null(created.Failure);
        return (created.Value!.User.Id, (await (await _client.LoginAsync(username)).Content.ReadFromJsonAsync<IssuedTokens>())!);
    }

    /// <summary>The raw text of the audit page for <paramref name="query"/>, once every one of <paramref name="types"/> is in it.</summary>
    private async Task<(string Body, List<JsonElement> Events)> EventsOnceWrittenAsync(string adminToken, string query, params string[] types)
    {
        var (body, events) = (string.Empty, new List<JsonElement>());
        await Poll.UntilAsync(async () =>
        {
            var response = await SendAsync(HttpMethod.Get, $"/admin/audit?{query}&limit=500", adminToken);
            body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            events = [.. JsonDocument.Parse(body).RootElement.GetProperty("events").EnumerateArray()];
            return types.All(type => events.Any(e => e.GetProperty("type").GetString() == type));
        }, Bound);
        return (body, events);
    }

    private static JsonElement Single(List<JsonElement> events, string type) => Assert.Single(events, e => e.GetProperty("type").GetString() == type);

    private static void AssertEvent(JsonElement e, string outcome, long? actor, long? subject, string? sessionId = null)
    {
        Assert.Equal(outcome, e.GetProperty("outcome").GetString());
        Assert.Equal(actor, e.GetProperty("actorUserId").ValueKind == JsonValueKind.Null ? null : e.GetProperty("actorUserId").GetInt64());
        Assert.Equal(subject, e.GetProperty("subjectUserId").ValueKind == JsonValueKind.Null ? null : e.GetProperty("subjectUserId").GetInt64());
        if (sessionId is not null)
        {
            Assert.Equal(sessionId, e.GetProperty("sessionId").GetString());
        }
    }

    private static void AssertNoSecret(string body, params string[] secrets)
    {
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, body, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("$argon2", body, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", body, StringComparison.Ordinal);
    }

    private static string SessionOf(IssuedTokens tokens) => Jwt.Payload(tokens.AccessToken).GetProperty("sid").GetString()!;

    [Fact]
    public async Task AUsersOwnEventsLandWithTheUserAsActorAndSubjectAndTheRequestsClient()
    {
        var (_, admin) = await NewAdminAsync();
        var (id, username, first) = await _client.NewSessionAsync("audited");
        await (await _client.LoginAsync(username, "a wrong password")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        var second = (await (await _client.RefreshAsync(first.RefreshToken)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        var third = (await (await _client.RefreshAsync(second.RefreshToken)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        await (await _client.RefreshAsync(first.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "refresh_token_reused");

        var other = (await (await _client.LoginAsync(username)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        const string NewPassword = "an entirely new password";
        Assert.Equal(HttpStatusCode.NoContent, (await _client.PostJsonAsync("/user/password",
            $$"""{"oldPassword":"{{ApiClient.Password}}","newPassword":"{{NewPassword}}"}""", $"Bearer {other.AccessToken}")).StatusCode);
        var ended = (await (await _client.LoginAsync(username, NewPassword)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"/user/sessions/{SessionOf(ended)}", other.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Post, "/user/logout", other.AccessToken)).StatusCode);
        var last = (await (await _client.LoginAsync(username, NewPassword)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Post, "/user/logout/all", last.AccessToken)).StatusCode);

        var (body, events) = await EventsOnceWrittenAsync(admin.AccessToken, $"userId={id}",
            AuditEventTypes.Register, AuditEventTypes.LoginSucceeded, AuditEventTypes.LoginFailed, AuditEventTypes.Refresh, AuditEventTypes.RefreshTokenReused,
            AuditEventTypes.PasswordChanged, AuditEventTypes.SessionEnded, AuditEventTypes.Logout, AuditEventTypes.LogoutAll);

        AssertEvent(Single(events, AuditEventTypes.Register), "ok", id, id);
        AssertEvent(Single(events, AuditEventTypes.LoginFailed), "invalid_credentials", null, id);
        Assert.Equal(4, events.Count(e => e.GetProperty("type").GetString() == AuditEventTypes.LoginSucceeded));
        AssertEvent(events.Last(e => e.GetProperty("type").GetString() == AuditEventTypes.LoginSucceeded), "ok", id, id, SessionOf(first));
        Assert.Equal(2, events.Count(e => e.GetProperty("type").GetString() == AuditEventTypes.Refresh));
        AssertEvent(Single(events, AuditEventTypes.RefreshTokenReused), "refresh_token_reused", null, id, SessionOf(first));
        AssertEvent(Single(events, AuditEventTypes.PasswordChanged), "ok", id, id, SessionOf(other));
        AssertEvent(Single(events, AuditEventTypes.SessionEnded), "ok", id, id, SessionOf(ended));
        AssertEvent(Single(events, AuditEventTypes.Logout), "ok", id, id, SessionOf(other));
        AssertEvent(Single(events, AuditEventTypes.LogoutAll), "ok", id, id, SessionOf(last));
        foreach (var e in events)
        {
            Assert.Equal("203.0.113.9", e.GetProperty("clientIp").GetString());
            Assert.Equal("audit-tests/1.0", e.GetProperty("userAgent").GetString());
            Assert.False(string.IsNullOrEmpty(e.GetProperty("requestId").GetString()));
        }
        // Newest first.
        var ids = events.Select(e => e.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(ids.OrderDescending(), ids);
        AssertNoSecret(body, ApiClient.Password, NewPassword, "a wrong password", first.RefreshToken, third.AccessToken);
    }

    [Fact]
    public async Task AnAdminsActionsLandWithTheAdminAsActorAndTheUserAsSubject()
    {
        var (adminId, admin) = await NewAdminAsync();
        var (id, username, tokens) = await _client.NewSessionAsync("administered");
        for (var i = 0; i < 6; i++)
        {
            await _client.LoginAsync(username, "not the password at all");
        }
        var createdName = ApiClient.NewUsername("created");
        var created = await SendAsync(HttpMethod.Post, "/admin/users", admin.AccessToken, $$"""{"username":"{{createdName}}","password":"{{ApiClient.Password}}"}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var createdId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        await (await SendAsync(HttpMethod.Post, $"/admin/users/{id}/unlock", admin.AccessToken)).AssertOkJsonAsync();
        await (await SendAsync(HttpMethod.Patch, $"/admin/users/{id}", admin.AccessToken, """{"role":"admin"}""")).AssertOkJsonAsync();
        await (await SendAsync(HttpMethod.Patch, $"/admin/users/{id}", admin.AccessToken, """{"disabled":true}""")).AssertOkJsonAsync();
        await (await SendAsync(HttpMethod.Patch, $"/admin/users/{id}", admin.AccessToken, """{"disabled":false}""")).AssertOkJsonAsync();
        var again = (await (await _client.LoginAsync(username)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"/admin/users/{id}/sessions", admin.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"/admin/users/{id}", admin.AccessToken)).StatusCode);

        var (body, events) = await EventsOnceWrittenAsync(admin.AccessToken, $"userId={id}",
            AuditEventTypes.LoginRateLimited, AuditEventTypes.UserUnlocked, AuditEventTypes.RoleChanged, AuditEventTypes.UserDisabled,
            AuditEventTypes.UserEnabled, AuditEventTypes.SessionEnded, AuditEventTypes.UserDeleted);
        foreach (var type in new[] { AuditEventTypes.UserUnlocked, AuditEventTypes.RoleChanged, AuditEventTypes.UserDisabled, AuditEventTypes.UserEnabled, AuditEventTypes.SessionEnded, AuditEventTypes.UserDeleted })
        {
            AssertEvent(Single(events, type), "ok", adminId, id);
        }
        Assert.Equal(5, events.Count(e => e.GetProperty("type").GetString() == AuditEventTypes.LoginFailed));
        AssertEvent(events.First(e => e.GetProperty("type").GetString() == AuditEventTypes.LoginRateLimited), "rate_limited", null, id);
        AssertNoSecret(body, ApiClient.Password, "not the password at all", tokens.AccessToken, again.RefreshToken);

        var (_, createdEvents) = await EventsOnceWrittenAsync(admin.AccessToken, $"userId={createdId}", AuditEventTypes.UserCreated);
        AssertEvent(Single(createdEvents, AuditEventTypes.UserCreated), "ok", adminId, createdId);
    }

    [Fact]
    public async Task AnImportIsOneEventWithoutAnActor()
    {
        var (_, admin) = await NewAdminAsync();
        var since = app.Time.GetUtcNow().AddSeconds(-1).ToString("O");
        var line = $$"""{"username":"{{ApiClient.NewUsername("imported")}}","passwordHash":"$2b$04$abcdefghijklmnopqrstuu5V1j5yHbT7kK7BO6o3ffv2oUzWXcaK2","role":"user"}""";
        await app.Services.GetRequiredService<UserImport>().ImportJsonLinesAsync(new StringReader(line), TextWriter.Null, CancellationToken.None);

        var (body, events) = await EventsOnceWrittenAsync(admin.AccessToken, $"type={AuditEventTypes.Import}&since={Uri.EscapeDataString(since)}", AuditEventTypes.Import);
        Assert.All(events, e => AssertEvent(e, "ok", null, null));
        AssertNoSecret(body, "$2b$04$");
    }

    [Fact]
    public async Task TheAuditLogFiltersByTypeAndTimeAndPagesNewestFirst()
    {
        var (_, admin) = await NewAdminAsync();
        var (id, username, _) = await _client.NewSessionAsync("paged");
        for (var i = 0; i < 3; i++)
        {
            await (await _client.LoginAsync(username)).AssertOkJsonAsync();
        }
        await Poll.UntilAsync(async () => (await EventsOnceWrittenAsync(admin.AccessToken, $"userId={id}&type={AuditEventTypes.LoginSucceeded}")).Events.Count == 4, Bound);
        var (_, all) = await EventsOnceWrittenAsync(admin.AccessToken, $"userId={id}&type={AuditEventTypes.LoginSucceeded}");
        var ids = all.Select(e => e.GetProperty("id").GetInt64()).ToList();

        var first = await (await SendAsync(HttpMethod.Get, $"/admin/audit?userId={id}&type={AuditEventTypes.LoginSucceeded}&limit=3", admin.AccessToken)).AssertOkJsonAsync();
        Assert.Equal(ids[..3], first.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()));
        var next = first.GetProperty("next").GetInt64();
        var second = await (await SendAsync(HttpMethod.Get, $"/admin/audit?userId={id}&type={AuditEventTypes.LoginSucceeded}&limit=3&after={next}", admin.AccessToken)).AssertOkJsonAsync();
        Assert.Equal([ids[3]], second.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetInt64()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);

        var future = Uri.EscapeDataString(app.Time.GetUtcNow().AddHours(1).ToString("O"));
        var none = await (await SendAsync(HttpMethod.Get, $"/admin/audit?userId={id}&since={future}", admin.AccessToken)).AssertOkJsonAsync();
        Assert.Empty(none.GetProperty("events").EnumerateArray());
        var until = await (await SendAsync(HttpMethod.Get, $"/admin/audit?userId={id}&until={future}&type={AuditEventTypes.Register}", admin.AccessToken)).AssertOkJsonAsync();
        Assert.Single(until.GetProperty("events").EnumerateArray());
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=501")]
    [InlineData("since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z")]
    [InlineData("since=yesterday")]
    public async Task TheAuditLogRefusesABadQuery(string query)
    {
        var (_, admin) = await NewAdminAsync();
        var response = await SendAsync(HttpMethod.Get, $"/admin/audit?{query}", admin.AccessToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AnExcludedTypeIsNotRecordedAndTheOthersAre()
    {
        using var quiet = app.WithSettings(("Audit:ExcludedTypes:0", AuditEventTypes.Refresh));
        var client = quiet.CreateClient();
        var (id, _, tokens) = await client.NewSessionAsync("quiet");
        Assert.Equal(HttpStatusCode.OK, (await client.RefreshAsync(tokens.RefreshToken)).StatusCode);
        await quiet.Services.GetRequiredService<QueuedAuditLog>().FlushAsync(CancellationToken.None);

        var events = await quiet.Services.GetRequiredService<AuditEventStore>().QueryAsync(new AuditQuery(id, null, null, null, null, 10), CancellationToken.None);
        Assert.Contains(events, e => e.Type == AuditEventTypes.LoginSucceeded);
        Assert.DoesNotContain(events, e => e.Type == AuditEventTypes.Refresh);
    }

    [Fact]
    public async Task WithAuditingOffNothingIsRecorded()
    {
        using var off = app.WithSettings(("Audit:Enabled", "false"));
        Assert.IsType<DisabledAuditLog>(off.Services.GetRequiredService<IAuditLog>());
        var client = off.CreateClient();
        var (id, _, _) = await client.NewSessionAsync("unaudited");
        await off.Services.GetRequiredService<QueuedAuditLog>().FlushAsync(CancellationToken.None);

        var events = await off.Services.GetRequiredService<AuditEventStore>().QueryAsync(new AuditQuery(id, null, null, null, null, 10), CancellationToken.None);
        Assert.Empty(events);
    }
}

public sealed class EmbeddedAuditTests(EmbeddedBackend app) : AuditTests(app), IClassFixture<EmbeddedBackend>;

public sealed class MySqlRedisAuditTests(MySqlRedisBackend app) : AuditTests(app), IClassFixture<MySqlRedisBackend>;

public sealed class MySqlRedisClusterAuditTests(MySqlRedisClusterBackend app) : AuditTests(app), IClassFixture<MySqlRedisClusterBackend>;
