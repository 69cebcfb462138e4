using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using UserApi.Redis;
using UserApi.Tests.Support;

namespace UserApi.Tests.Production;

/// <summary>The Redis key layout of sessions, on a single node and on the cluster.</summary>
public abstract class RedisSessionKeyTests(UserApiFactory app)
{
    private readonly HttpClient _client = app.CreateClient();

    private IDatabase Redis => app.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

    [Fact]
    public async Task EverySessionKeyHasATimeToLiveUpToTheSessionEnd()
    {
        var (id, _, tokens) = await _client.NewSessionAsync();
        var sessionId = Jwt.Payload(tokens.AccessToken).GetProperty("sid").GetString()!;
        await AssertExpiringAsync(RedisKeys.Session(id, sessionId), tokens.RefreshExpiresIn);
        await AssertExpiringAsync(RedisKeys.Sessions(id), tokens.RefreshExpiresIn);

        // A rotation rewrites the session hash; its expiry must survive the write.
        await (await _client.RefreshAsync(tokens.RefreshToken)).AssertOkJsonAsync();
        await AssertExpiringAsync(RedisKeys.Session(id, sessionId), tokens.RefreshExpiresIn);
    }

    [Fact]
    public async Task ASessionAndItsUsersIndexShareOneClusterSlot()
    {
        var (id, _, tokens) = await _client.NewSessionAsync();
        var sessionId = Jwt.Payload(tokens.AccessToken).GetProperty("sid").GetString()!;
        var multiplexer = app.Services.GetRequiredService<IConnectionMultiplexer>();
        Assert.Equal(multiplexer.HashSlot(RedisKeys.Session(id, sessionId)), multiplexer.HashSlot(RedisKeys.Sessions(id)));
        Assert.True(await Redis.SortedSetScoreAsync(RedisKeys.Sessions(id), sessionId) is not null);
    }

    [Fact]
    public async Task AReusedRefreshTokenDeletesTheSessionKeys()
    {
        var (id, _, tokens) = await _client.NewSessionAsync();
        var sessionId = Jwt.Payload(tokens.AccessToken).GetProperty("sid").GetString()!;
        var second = await (await _client.RefreshAsync(tokens.RefreshToken)).AssertOkJsonAsync();
        await (await _client.RefreshAsync(second.GetProperty("refreshToken").GetString()!)).AssertOkJsonAsync();
        await (await _client.RefreshAsync(tokens.RefreshToken)).AssertProblemAsync(System.Net.HttpStatusCode.Unauthorized, "refresh_token_reused");
        Assert.False(await Redis.KeyExistsAsync(RedisKeys.Session(id, sessionId)));
        Assert.Null(await Redis.SortedSetScoreAsync(RedisKeys.Sessions(id), sessionId));
    }

    [Fact]
    public async Task AnInstanceStartedAfterARevocationRefusesTheToken()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        var logout = new HttpRequestMessage(HttpMethod.Post, "/user/logout");
        logout.Headers.Authorization = ApiClient.Bearer(tokens.AccessToken);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await _client.SendAsync(logout)).StatusCode);

        // A new server: it missed the published message and learns the revocation from revoked-sessions.
        using var later = app.WithWebHostBuilder(_ => { });
        await (await later.CreateClient().UserInfoAsync(tokens.AccessToken)).AssertInvalidTokenAsync("session_revoked");
        var score = await Redis.SortedSetScoreAsync(RedisKeys.RevokedSessions, Jwt.Payload(tokens.AccessToken).GetProperty("sid").GetString()!);
        Assert.NotNull(score);
    }

    private async Task AssertExpiringAsync(RedisKey key, long lifetimeSeconds)
    {
        var ttl = await Redis.KeyTimeToLiveAsync(key);
        Assert.True(ttl is not null, $"{key} has no TTL");
        Assert.InRange(ttl!.Value.TotalSeconds, 1, lifetimeSeconds + 1);
    }
}

public sealed class MySqlRedisSessionKeyTests(MySqlRedisBackend app) : RedisSessionKeyTests(app), IClassFixture<MySqlRedisBackend>;

public sealed class MySqlRedisClusterSessionKeyTests(MySqlRedisClusterBackend app) : RedisSessionKeyTests(app), IClassFixture<MySqlRedisClusterBackend>;
