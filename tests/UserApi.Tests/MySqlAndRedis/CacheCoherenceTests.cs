using System.Net;
using System.Net.Http.Json;
using UserApi.Tests.Support;

namespace UserApi.Tests.MySqlAndRedis;

/// <summary>Two instances over one MySQL and Redis: a write on one is seen by the other's first-level cache.</summary>
public abstract class CacheCoherenceTests(UserApiFactory app)
{
    [Fact]
    public async Task APasswordChangedOnOneInstanceIsTheOneTheOtherChecks()
    {
        using var other = app.WithWebHostBuilder(_ => { });
        var (a, b) = (app.CreateClient(), other.CreateClient());
        var (_, username, onA) = await a.NewSessionAsync();
        var onB = (await (await b.LoginAsync(username)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        // B now holds the user in its first-level cache.
        await (await b.UserInfoAsync(onB.AccessToken)).AssertOkJsonAsync();

        var changed = await a.PostJsonAsync("/user/password", $$"""{"oldPassword":"{{ApiClient.Password}}","newPassword":"changed on instance A"}""", $"Bearer {onA.AccessToken}");
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        // B learns of the revocation from Redis pub/sub, milliseconds later.
        var refused = await Poll.UntilAsync(() => b.UserInfoAsync(onB.AccessToken), r => r.StatusCode == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(5));
        await refused.AssertInvalidTokenAsync("session_revoked");

        // B must check the new hash, not the one it had cached.
        var onB2 = (await (await b.LoginAsync(username, "changed on instance A")).Content.ReadFromJsonAsync<IssuedTokens>())!;
        await (await b.UserInfoAsync(onB2.AccessToken)).AssertOkJsonAsync();
        var again = await b.PostJsonAsync("/user/password", """{"oldPassword":"changed on instance A","newPassword":"changed on instance B"}""", $"Bearer {onB2.AccessToken}");
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        await (await a.LoginAsync(username, "changed on instance B")).AssertOkJsonAsync();
    }
}

public sealed class MySqlRedisCacheCoherenceTests(MySqlRedisBackend app) : CacheCoherenceTests(app), IClassFixture<MySqlRedisBackend>;

public sealed class MySqlRedisClusterCacheCoherenceTests(MySqlRedisClusterBackend app) : CacheCoherenceTests(app), IClassFixture<MySqlRedisClusterBackend>;
