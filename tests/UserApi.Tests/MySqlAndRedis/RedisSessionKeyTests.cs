using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using UserApi.Redis;
using UserApi.Tests.Support;

namespace UserApi.Tests.MySqlAndRedis;

/// <summary>The Redis key layout of sessions, on a single node and on the cluster.</summary>
public abstract class RedisSessionKeyTests(UserApiFactory app)
{
    private readonly HttpClient _client = app.CreateClient();

    private IDatabase Redis => app.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

    [Fact]
    public async Task TheUsersSessionsKeyExpiresWithTheSessionAndKeepsItsExpiryThroughARefresh()
    {
        var (id, _, tokens) = await _client.NewSessionAsync();
        await AssertExpiringAsync(RedisKeys.Sessions(id), tokens.RefreshExpiresIn);

        // A rotation rewrites the value; its expiry must survive the write.
        await (await _client.RefreshAsync(tokens.RefreshToken)).AssertOkJsonAsync();
        await AssertExpiringAsync(RedisKeys.Sessions(id), tokens.RefreshExpiresIn);
    }

    [Fact]
    public async Task AllSessionsOfAUserLiveInOneKeyOneLineEach()
    {
        var (id, name, first) = await _client.NewSessionAsync();
        var second = (await (await _client.LoginAsync(name)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        var value = (string?)await Redis.StringGetAsync(RedisKeys.Sessions(id));
        Assert.NotNull(value);
        var lines = value!.Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Equal(
            new[] { SessionId(first.AccessToken), SessionId(second.AccessToken) }.Order(),
            lines.Select(line => line.Split('\t')[0]).Order());
    }

    [Fact]
    public async Task AUserAgentWithTabsAndLineBreaksCannotSplitTheRecord()
    {
        var (id, name, _) = await _client.NewSessionAsync();
        var login = new HttpRequestMessage(HttpMethod.Post, "/user/login") { Content = JsonContent.Create(new { username = name, password = ApiClient.Password }) };
        login.Headers.TryAddWithoutValidation("User-Agent", "agent\twith\ttabs");
        var tokens = await (await _client.SendAsync(login)).AssertOkJsonAsync();
        var sessions = await (await _client.SendWithTokenAsync(HttpMethod.Get, "/user/sessions", tokens.GetProperty("accessToken").GetString()!)).AssertOkJsonAsync();
        Assert.Equal(2, sessions.GetProperty("sessions").GetArrayLength());
        Assert.Contains(sessions.GetProperty("sessions").EnumerateArray(), s => s.GetProperty("userAgent").GetString() == "agent with tabs");
        Assert.All(((string)(await Redis.StringGetAsync(RedisKeys.Sessions(id)))!).Split('\n'), line => Assert.Equal(9, line.Split('\t').Length));
    }

    [Fact]
    public async Task AReusedRefreshTokenDeletesTheUsersOnlySessionKey()
    {
        var (id, _, tokens) = await _client.NewSessionAsync();
        var second = await (await _client.RefreshAsync(tokens.RefreshToken)).AssertOkJsonAsync();
        await (await _client.RefreshAsync(second.GetProperty("refreshToken").GetString()!)).AssertOkJsonAsync();
        await (await _client.RefreshAsync(tokens.RefreshToken)).AssertProblemAsync(System.Net.HttpStatusCode.Unauthorized, "refresh_token_reused");
        Assert.False(await Redis.KeyExistsAsync(RedisKeys.Sessions(id)));
    }

    [Fact]
    public async Task RefreshAndLoginWorkAfterRedisForgetsItsScripts()
    {
        var (_, name, tokens) = await _client.NewSessionAsync();
        await (await _client.RefreshAsync(tokens.RefreshToken)).AssertOkJsonAsync();

        // A restart or failover empties the server's script cache: the scripts are sent again in full.
        var multiplexer = app.Services.GetRequiredService<IConnectionMultiplexer>();
        foreach (var server in multiplexer.GetServers())
        {
            await server.ExecuteAsync("SCRIPT", "FLUSH");
        }
        var second = await (await _client.LoginAsync(name)).AssertOkJsonAsync();
        await (await _client.RefreshAsync(second.GetProperty("refreshToken").GetString()!)).AssertOkJsonAsync();
        await (await _client.LoginAsync(name, "a wrong password")).AssertProblemAsync(System.Net.HttpStatusCode.Unauthorized, "invalid_credentials");
    }

    [Fact]
    public async Task AnInstanceStartedAfterARevocationRefusesTheToken()
    {
        var (id, _, tokens) = await _client.NewSessionAsync();
        var logout = new HttpRequestMessage(HttpMethod.Post, "/user/logout");
        logout.Headers.Authorization = ApiClient.Bearer(tokens.AccessToken);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await _client.SendAsync(logout)).StatusCode);

        // A new server: it missed the published message and learns the revocation from revoked-sessions.
        using var later = app.WithWebHostBuilder(_ => { });
        await (await later.CreateClient().UserInfoAsync(tokens.AccessToken)).AssertInvalidTokenAsync("session_revoked");
        var score = await Redis.SortedSetScoreAsync(RedisKeys.RevokedSessionsOf(id), Jwt.Payload(tokens.AccessToken).GetProperty("sid").GetString()!);
        Assert.NotNull(score);
    }

    private static string SessionId(string accessToken) => Jwt.Payload(accessToken).GetProperty("sid").GetString()!;

    private async Task AssertExpiringAsync(RedisKey key, long lifetimeSeconds)
    {
        var ttl = await Redis.KeyTimeToLiveAsync(key);
        Assert.True(ttl is not null, $"{key} has no TTL");
        Assert.InRange(ttl!.Value.TotalSeconds, 1, lifetimeSeconds + 1);
    }
}

public sealed class MySqlRedisSessionKeyTests(MySqlRedisBackend app) : RedisSessionKeyTests(app), IClassFixture<MySqlRedisBackend>;

public sealed class MySqlRedisClusterSessionKeyTests(MySqlRedisClusterBackend app) : RedisSessionKeyTests(app), IClassFixture<MySqlRedisClusterBackend>;
