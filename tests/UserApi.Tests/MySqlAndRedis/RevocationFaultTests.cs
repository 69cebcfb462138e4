using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using UserApi.Diagnostics;
using UserApi.Redis;
using UserApi.Tests.Support;

namespace UserApi.Tests.MySqlAndRedis;

/// <summary>
/// Revocation under faults, over HTTP with MariaDB and Redis: an instance that cannot read the revoked
/// sessions fails closed, a lost message is caught up by the periodic read, a logout whose client gave up
/// still takes effect, and no instance's clock moves another's revocations or reuse window.
/// </summary>
public sealed class RevocationFaultTests
{
    [Fact]
    public async Task AnInstanceWhoseReadOfTheRevokedSessionsIsRefusedAnswersAccessTokens503UntilTheRefusalIsLifted()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        await using var a = new PrivateRedisBackend(redis.Host);
        var clientA = a.CreateClient();
        var (_, _, ended) = await clientA.NewSessionAsync();
        var (_, _, live) = await clientA.NewSessionAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await clientA.SendWithTokenAsync(HttpMethod.Post, "/user/logout", ended.AccessToken)).StatusCode);

        // The same path as a LOADING reply or a timeout: Redis answers, but not the read.
        await using var control = await ConnectionMultiplexer.ConnectAsync(redis.Host);
        var server = control.GetServer(redis.Host);
        await server.ExecuteAsync("ACL", "SETUSER", "default", "-zrangebyscore");
        using var b = a.WithWebHostBuilder(_ => { });
        var clientB = b.CreateClient();

        await (await clientB.UserInfoAsync(ended.AccessToken)).AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "backend_unavailable");
        await (await clientB.UserInfoAsync(live.AccessToken)).AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "backend_unavailable");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await clientB.GetAsync("/readyz")).StatusCode);

        await server.ExecuteAsync("ACL", "SETUSER", "default", "+@all");
        await Poll.UntilAsync(async () =>
        {
            a.Time.Advance(TimeSpan.FromSeconds(1));
            return (await clientB.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(30));
        await (await clientB.UserInfoAsync(ended.AccessToken)).AssertInvalidTokenAsync("session_revoked");
        await (await clientB.UserInfoAsync(live.AccessToken)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task AnInstanceWhoseReadFailedReadsAgainAsSoonAsTheConnectionTheReadsUseIsBack()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        await using var app = new PrivateRedisBackend(redis.Host);
        var client = app.CreateClient();
        var (_, _, tokens) = await client.NewSessionAsync();
        await (await client.UserInfoAsync(tokens.AccessToken)).AssertOkJsonAsync();

        // After a Redis restart the subscription can return before the connection the reads use (it did in
        // scripts/faults.sh, scenario 3): a read prompted by the subscription's return then fails. Cut the
        // reads' connection alone (TYPE normal spares the subscription) as a periodic read comes due, until
        // one fails.
        await using var control = await ConnectionMultiplexer.ConnectAsync($"{redis.Host},allowAdmin=true");
        var server = control.GetServer(redis.Host);
        using var failures = new MetricCollector<long>(app.Services.GetRequiredService<IMeterFactory>(), UserApiMetrics.MeterName, "userapi.revocations.resync_failures");
        await Poll.UntilAsync(async () =>
        {
            await server.ExecuteAsync("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
            app.Time.Advance(TimeSpan.FromSeconds(11));
            await Task.Delay(50);
            return failures.GetMeasurementSnapshot().Count > 0;
        }, TimeSpan.FromSeconds(60));

        // The instance's clock stands still from here on, so no retry comes due: the reconnect must prompt the read.
        await Poll.UntilAsync(async () => (await client.UserInfoAsync(tokens.AccessToken)).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(20));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task ARevocationWhosePublishedMessageIsLostIsEnforcedAfterTheNextPeriodicRead()
    {
        await using var app = new MySqlRedisBackend();
        var client = app.CreateClient();
        var (id, _, tokens) = await client.NewSessionAsync();
        await (await client.UserInfoAsync(tokens.AccessToken)).AssertOkJsonAsync();

        // Recorded as a session script records it, but never published.
        var database = app.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var time = (RedisResult[])(await database.ExecuteAsync("TIME"))!;
        var until = (long)time[0] * 1000 + (long)time[1] / 1000 + (UserApiFactory.AccessExpireSeconds + UserApiFactory.ClockSkewSeconds) * 1000L;
        await database.SortedSetAddAsync(RedisKeys.RevokedSessionsOf(id), Jwt.Payload(tokens.AccessToken).GetProperty("sid").GetString(), until);
        await (await client.UserInfoAsync(tokens.AccessToken)).AssertOkJsonAsync();

        await Poll.UntilAsync(async () =>
        {
            app.Time.Advance(TimeSpan.FromSeconds(1));
            return (await client.UserInfoAsync(tokens.AccessToken)).StatusCode == HttpStatusCode.Unauthorized;
        }, TimeSpan.FromSeconds(30));
        await (await client.UserInfoAsync(tokens.AccessToken)).AssertInvalidTokenAsync("session_revoked");
    }

    [Fact]
    public async Task ALogoutWhoseClientGaveUpWhileRedisWasFrozenStillEndsTheSessionEverywhere()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        await using var app = new PrivateRedisBackend(redis.Host);
        var client = app.CreateClient();
        var (id, _, tokens) = await client.NewSessionAsync();
        var sessionId = Jwt.Payload(tokens.AccessToken).GetProperty("sid").GetString()!;
        await using var control = await ConnectionMultiplexer.ConnectAsync(redis.Host);
        // Redis then knows the logout script by its SHA1: one it did not know would be refused whole (NOSCRIPT),
        // a logout that did nothing, and the client would not be there to send the text.
        var (_, _, warmUp) = await client.NewSessionAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendWithTokenAsync(HttpMethod.Post, "/user/logout", warmUp.AccessToken)).StatusCode);

        redis.Freeze();
        HttpResponseMessage logout;
        try
        {
            logout = await client.SendWithTokenAsync(HttpMethod.Post, "/user/logout", tokens.AccessToken);
        }
        finally
        {
            redis.Thaw();
        }

        // The client saw its command time out; the script ran once Redis woke: recorded, published, deleted.
        await logout.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "backend_unavailable");
        await Poll.UntilAsync(async () => await control.GetDatabase().SortedSetScoreAsync(RedisKeys.RevokedSessionsOf(id), sessionId) is not null, TimeSpan.FromSeconds(10));
        await Poll.UntilAsync(async () => (await client.UserInfoAsync(tokens.AccessToken)).StatusCode == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(10));
        using var later = app.WithWebHostBuilder(_ => { });
        await (await later.CreateClient().UserInfoAsync(tokens.AccessToken)).AssertInvalidTokenAsync("session_revoked");
        await (await client.RefreshAsync(tokens.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
    }

    [Fact]
    public async Task AnInstanceWhoseClockIsTwentyMinutesFastDoesNotEraseOtherInstancesRevocations()
    {
        await using var app = new MySqlRedisBackend();
        var client = app.CreateClient();
        var (id, username, ended) = await client.NewSessionAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendWithTokenAsync(HttpMethod.Post, "/user/logout", ended.AccessToken)).StatusCode);

        // The fast instance ends a session of the same user, so its script trims the same revoked-sessions set.
        using var fast = WithClock(app, app.Time.GetUtcNow() + TimeSpan.FromMinutes(20));
        var fastClient = fast.CreateClient();
        var own = await (await fastClient.LoginAsync(username)).AssertOkJsonAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await fastClient.SendWithTokenAsync(HttpMethod.Post, "/user/logout", own.GetProperty("accessToken").GetString()!)).StatusCode);

        var database = app.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        Assert.NotNull(await database.SortedSetScoreAsync(RedisKeys.RevokedSessionsOf(id), Jwt.Payload(ended.AccessToken).GetProperty("sid").GetString()));
        using var later = app.WithWebHostBuilder(_ => { });
        await (await later.CreateClient().UserInfoAsync(ended.AccessToken)).AssertInvalidTokenAsync("session_revoked");
    }

    [Fact]
    public async Task ARetryWithinTheReuseIntervalOnAnInstanceWhoseClockIsTenSecondsFastIsNotAReuse()
    {
        await using var app = new MySqlRedisBackend();
        var client = app.CreateClient();
        var (_, _, first) = await client.NewSessionAsync();
        var rotated = await (await client.RefreshAsync(first.RefreshToken)).AssertOkJsonAsync();

        // The client retries a second later, through an instance 10 s fast: 11 s by that instance's clock.
        using var skewed = WithClock(app, app.Time.GetUtcNow() + TimeSpan.FromSeconds(11));
        var retry = await (await skewed.CreateClient().RefreshAsync(first.RefreshToken)).AssertOkJsonAsync();

        Assert.Equal(rotated.GetProperty("refreshToken").GetString(), retry.GetProperty("refreshToken").GetString());
    }

    private static WebApplicationFactory<Program> WithClock(UserApiFactory app, DateTimeOffset now) =>
        app.WithWebHostBuilder(builder => builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(new FakeTimeProvider(now))));
}
