using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using UserApi.Accounts;
using UserApi.Audit;
using UserApi.Tests.Support;

namespace UserApi.Tests.Sessions;

/// <summary>
/// <c>POST /admin/sessions/revoke-all</c>, the emergency switch, on every backend: every access and refresh token
/// issued before it is refused at once, logins after it work, and (production mode) it holds after Redis has lost
/// everything, on an instance started afterwards. Each test has stores of its own: the switch ends every session there is.
/// </summary>
public abstract class RevokeAllTests
{
    /// <summary>A service over stores no other test uses, and what makes another instance over the same stores.</summary>
    protected abstract Task<IsolatedStores> StartAsync();

    protected sealed record IsolatedStores(UserApiFactory App, Func<UserApiFactory> Another, Func<Task> LoseRedis, IAsyncDisposable Resources) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.DisposeAsync();
            await Resources.DisposeAsync();
        }
    }

    private static async Task<(long Id, string Username, IssuedTokens Tokens)> NewAdminAsync(UserApiFactory app, HttpClient client)
    {
        var username = ApiClient.NewUsername("switch");
        var created = await app.Services.GetRequiredService<UserAdministration>().CreateAsync(username, ApiClient.Password, Roles.Admin, null, CancellationToken.None);
        Assert.Null(created.Failure);
        return (created.Value!.User.Id, username, (await (await client.LoginAsync(username)).Content.ReadFromJsonAsync<IssuedTokens>())!);
    }

    private static Task<HttpResponseMessage> RevokeAllAsync(HttpClient client, string adminToken) =>
        client.SendWithTokenAsync(HttpMethod.Post, "/admin/sessions/revoke-all", adminToken);

    [Fact]
    public async Task EveryTokenIssuedBeforeTheSwitchIsRefusedAtOnceAndLoginsAfterItWork()
    {
        await using var stores = await StartAsync();
        var app = stores.App;
        var client = app.CreateClient();
        var (adminId, adminName, admin) = await NewAdminAsync(app, client);
        var (aliceId, alice, aliceTokens) = await client.NewSessionAsync("alice");
        // A second session of Alice's that no one presents after the switch: refusing a token ends its session in the
        // store, this one stays there, ended by the switch alone.
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync(alice)).StatusCode);
        var (_, _, bobTokens) = await client.NewSessionAsync("bob");
        var refreshed = (await (await client.RefreshAsync(bobTokens.RefreshToken)).Content.ReadFromJsonAsync<IssuedTokens>())!;

        var answer = await (await RevokeAllAsync(client, admin.AccessToken)).AssertOkJsonAsync();
        var endedAt = answer.GetProperty("endedAt").GetDateTimeOffset();
        Assert.True(endedAt >= app.Time.GetUtcNow(), "The end is rounded up to the second, never down.");

        foreach (var tokens in new[] { aliceTokens, refreshed, admin })
        {
            await (await client.UserInfoAsync(tokens.AccessToken)).AssertInvalidTokenAsync("session_revoked");
            await (await client.RefreshAsync(tokens.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        }

        // Past the end (which Redis's clock may have set ahead of the service's, stopped here): logins work again.
        app.Time.Advance(endedAt - app.Time.GetUtcNow() + TimeSpan.FromSeconds(1));
        var again = (await (await client.LoginAsync(alice)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        await (await client.UserInfoAsync(again.AccessToken)).AssertOkJsonAsync();
        // Alice's own list shows only the session that works: those before the switch are over.
        var own = await (await client.SendWithTokenAsync(HttpMethod.Get, "/user/sessions", again.AccessToken)).AssertOkJsonAsync();
        Assert.Single(own.GetProperty("sessions").EnumerateArray());

        // The old sessions are gone from the admin's view, and the switch is in the audit log with its admin.
        var newAdmin = (await (await client.LoginAsync(adminName)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        var sessions = await (await client.SendWithTokenAsync(HttpMethod.Get, $"/admin/users/{aliceId}/sessions", newAdmin.AccessToken)).AssertOkJsonAsync();
        Assert.Single(sessions.GetProperty("sessions").EnumerateArray());
        await Poll.UntilAsync(async () =>
        {
            var page = await (await client.SendWithTokenAsync(HttpMethod.Get, $"/admin/audit?type={AuditEventTypes.RevokeAll}", newAdmin.AccessToken)).AssertOkJsonAsync();
            return page.GetProperty("events").EnumerateArray().Any(e => e.GetProperty("actorUserId").GetInt64() == adminId);
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task TheSwitchHoldsForAnInstanceStartedAfterRedisLostEverything()
    {
        await using var stores = await StartAsync();
        var client = stores.App.CreateClient();
        var (_, _, admin) = await NewAdminAsync(stores.App, client);
        var (_, _, tokens) = await client.NewSessionAsync("survivor");
        await (await RevokeAllAsync(client, admin.AccessToken)).AssertOkJsonAsync();

        await stores.LoseRedis();
        await using var later = stores.Another();
        var laterClient = later.CreateClient();
        await (await laterClient.UserInfoAsync(tokens.AccessToken)).AssertInvalidTokenAsync("session_revoked");
        await (await laterClient.RefreshAsync(tokens.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        await (await client.UserInfoAsync(tokens.AccessToken)).AssertInvalidTokenAsync("session_revoked");
    }
}

public sealed class EmbeddedRevokeAllTests : RevokeAllTests
{
    /// <summary>Embedded mode has no Redis to lose: the other instance is the same file opened again (a restart).</summary>
    protected override Task<IsolatedStores> StartAsync()
    {
        var path = UserApiFactory.NewTemporaryPath(".db");
        UserApiFactory Over() => new FileBackend(path);
        return Task.FromResult(new IsolatedStores(Over(), Over, () => Task.CompletedTask, new DeleteFiles(path)));
    }

    private sealed class FileBackend(string path) : UserApiFactory
    {
        public override string BackendName => "embedded";

        protected override IEnumerable<KeyValuePair<string, string?>> BackendSettings() => [new("DataSource", $"sqlite:{path}")];
    }

    private sealed class DeleteFiles(string path) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(path + suffix);
            }
            return ValueTask.CompletedTask;
        }
    }
}

public sealed class MySqlRedisRevokeAllTests : RevokeAllTests
{
    protected override async Task<IsolatedStores> StartAsync()
    {
        var redis = await RedisServerProcess.StartAsync();
        var database = PrivateRedisBackend.NewDatabase();
        return new IsolatedStores(new PrivateRedisBackend(redis.Host, database), () => new PrivateRedisBackend(redis.Host, database), async () =>
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync($"{redis.Host},allowAdmin=true");
            await connection.GetServers()[0].FlushAllDatabasesAsync();
        }, redis);
    }
}
