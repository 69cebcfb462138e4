using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using UserApi.Authentication;
using UserApi.Configuration;
using UserApi.Infrastructure;
using UserApi.Sessions;
using UserApi.Tokens;
using UserApi.Users;

namespace UserApi.Tests.Authentication;

public sealed class AccessTokenCacheTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly TokenService _tokens;
    private readonly AccessTokenCache _cache;
    private readonly TokenPair _pair;

    public AccessTokenCacheTests()
    {
        _tokens = new TokenService(Options.Create(new AuthOptions
        {
            AccessSecret = "caching-handler-test-access-secret-0123456789",
            RefreshSecret = "caching-handler-test-refresh-secret-0123456789",
        }), _time);
        _cache = new AccessTokenCache(_tokens, _time);
        var now = _time.GetUtcNow();
        var user = new User(7, "alice", "alice", "user", false, now.UtcDateTime, now.UtcDateTime, now.UtcDateTime);
        var session = new Session(Ids.New(), 7, Ids.New(), null, now, now, now.AddDays(7), "127.0.0.1", "test");
        _pair = _tokens.Issue(user, session);
    }

    /// <summary>The token is found again from the characters of a header that holds it, with the principal built the first time.</summary>
    [Fact]
    public async Task ATokenSeenBeforeIsFoundFromTheHeadersCharacters()
    {
        var first = await _cache.CheckAsync(_pair.AccessToken.AsMemory());
        var header = $"Bearer {_pair.AccessToken}";

        var again = await _cache.CheckAsync(header.AsMemory("Bearer ".Length));

        Assert.NotNull(first.Caller);
        Assert.Same(first.Caller, again.Caller);
    }

    [Fact]
    public async Task AHitAllocatesNothing()
    {
        var header = $"Bearer {_pair.AccessToken}".AsMemory("Bearer ".Length);
        for (var i = 0; i < 3; i++)
        {
            await _cache.CheckAsync(header);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var hit = _cache.CheckAsync(header);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(hit.IsCompletedSuccessfully);
        Assert.NotNull((await hit).Caller);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task ARememberedTokenPastItsLifetimeFailsAsExpired()
    {
        Assert.NotNull((await _cache.CheckAsync(_pair.AccessToken.AsMemory())).Caller);

        _time.SetUtcNow(_pair.AccessExpiresAt + _tokens.AccessValidation.ClockSkew + TimeSpan.FromSeconds(1));
        var expired = await _cache.CheckAsync(_pair.AccessToken.AsMemory());

        Assert.Null(expired.Caller);
        Assert.Equal(TokenFailure.Expired, expired.Failure);
    }
}
