using System.Net;
using UserApi.Tests.Support;

namespace UserApi.Tests.MySqlAndRedis;

/// <summary>The service over MariaDB and a Redis of the test's own, which the test stops.</summary>
public sealed class RedisOutageTests
{
    [Fact]
    public async Task UserInfoKeepsAnsweringFromMySqlWhileRedisIsStopped()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        await using var backend = new PrivateRedisBackend(redis.Host);
        // Until the next periodic read of the revoked sessions fails (then access tokens are 503, fail closed:
        // RevocationFaultTests): kept out of the test's few seconds, where its timing would decide the answer.
        using var app = backend.WithSettings(("Auth:RevocationResyncInterval", "300"));
        var client = app.CreateClient();
        var (id, username, tokens) = await client.NewSessionAsync();

        await redis.StopAsync();
        var info = await (await client.UserInfoAsync(tokens.AccessToken)).AssertOkJsonAsync();
        Assert.Equal(id, info.GetProperty("id").GetInt64());
        Assert.Equal(username, info.GetProperty("username").GetString());

        // Sessions live in Redis: without it a login is a clear 503, never a 500.
        await (await client.LoginAsync(username)).AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "backend_unavailable");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/readyz")).StatusCode);

        await redis.RestartAsync();
        await Poll.UntilAsync(async () => (await client.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(10));
        await (await client.LoginAsync(username)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task RateLimitsAreCountedPerInstanceWhileRedisIsStopped()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        await using var app = new PrivateRedisBackend(redis.Host);
        using var limited = app.WithSettings(("Security:TokenRequestsPerMinute", "2"));
        var client = limited.CreateClient();
        Task<HttpResponseMessage> TokenAsync()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/user/token");
            request.Headers.Add(UserApiFactory.RemoteIpHeader, "198.51.100.70");
            return client.SendAsync(request);
        }
        await (await TokenAsync()).AssertOkJsonAsync();

        await redis.StopAsync();

        // The instance's own count starts from nothing: the budget is per instance until Redis is back, never unlimited.
        await (await TokenAsync()).AssertOkJsonAsync();
        await (await TokenAsync()).AssertOkJsonAsync();
        await (await TokenAsync()).AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }
}
