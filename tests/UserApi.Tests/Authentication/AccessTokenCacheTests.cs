using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using UserApi.Authentication;
using UserApi.Configuration;
using UserApi.Diagnostics;
using UserApi.Infrastructure;
using UserApi.Sessions;
using UserApi.Tokens;
using UserApi.Users;

namespace UserApi.Tests.Authentication;

public sealed class AccessTokenCacheTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly UserApiMetrics _metrics;
    private readonly TokenService _tokens;
    private readonly AccessTokenCache _cache;
    private readonly TokenPair _pair;

    public AccessTokenCacheTests()
    {
        _metrics = new UserApiMetrics(_services.GetRequiredService<IMeterFactory>());
        _tokens = new TokenService(Options(1), _time);
        _cache = Cache(megabytes: 1);
        _pair = Issue(7);
    }

    public void Dispose() => _services.Dispose();

    /// <summary>The token is found again from the characters of a header that holds it, with the principal built the first time.</summary>
    [Fact]
    public async Task ATokenSeenBeforeIsFoundFromTheHeadersCharacters()
    {
        var first = await _cache.CheckAsync(_pair.AccessToken.AsMemory());
        var header = $"Bearer {_pair.AccessToken}";

        var again = await _cache.CheckAsync(header.AsMemory("Bearer ".Length));

        Assert.NotNull(first.Caller);
        Assert.Same(first.Caller, again.Caller);
        Assert.Equal(1, _cache.Count);
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
        Assert.Equal(0, _cache.Count);
    }

    [Fact]
    public async Task TheCallerHoldsTheTokensUserSessionAndRoleOnly()
    {
        var caller = (await _cache.CheckAsync(_pair.AccessToken.AsMemory())).Caller!;

        Assert.Equal(7, caller.UserId);
        Assert.Equal("user", caller.Role);
        Assert.True(caller.IsInRole("user"));
        Assert.Equal("7", caller.Identity?.Name);
        Assert.Equal(
            [TokenClaims.Subject, TokenClaims.UserId, TokenClaims.Role, TokenClaims.SessionId],
            caller.Claims.Select(c => c.Type));
        Assert.Equal(caller.SessionId, caller.FindFirst(TokenClaims.SessionId)?.Value);
    }

    [Fact]
    public async Task AnAnonymousTokensCallerIsTheSharedAnonymousOne()
    {
        var token = _tokens.IssueAnonymous().AccessToken;

        var caller = (await _cache.CheckAsync(token.AsMemory())).Caller;

        Assert.Same(AccessTokenPrincipal.Anonymous, caller);
        Assert.Null(caller?.UserId);
        Assert.Equal(AccessTokenCache.AnonymousEntryBytes, _cache.Bytes);
    }

    /// <summary>A token that carries a remembered token's signature over other contents is not that token.</summary>
    [Fact]
    public async Task ATokenWithAKnownSignatureOverOtherContentsIsInvalid()
    {
        await _cache.CheckAsync(_pair.AccessToken.AsMemory());
        var other = Issue(8).AccessToken;
        var forged = other[..other.LastIndexOf('.')] + _pair.AccessToken[_pair.AccessToken.LastIndexOf('.')..];

        var checkedToken = await _cache.CheckAsync(forged.AsMemory());

        Assert.Null(checkedToken.Caller);
        Assert.Equal(TokenFailure.Invalid, checkedToken.Failure);
        Assert.Equal(7, (await _cache.CheckAsync(_pair.AccessToken.AsMemory())).Caller?.UserId);
    }

    /// <summary>The key is read from the signature before any validation: a forged one must be a miss, not an exception.</summary>
    [Theory]
    [InlineData("unused bits set")]
    [InlineData("not base64url")]
    [InlineData("one character short")]
    public async Task ATokenWhoseSignatureIsNotCanonicalIsInvalid(string change)
    {
        await _cache.CheckAsync(_pair.AccessToken.AsMemory());
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var last = _pair.AccessToken[^1];
        var changed = _pair.AccessToken[..^1] + change switch
        {
            // The last of 43 characters carries 2 unused bits: setting one keeps the signature's bytes.
            "unused bits set" => Alphabet[Alphabet.IndexOf(last) | 1].ToString(),
            "not base64url" => "!",
            _ => "",
        };

        var checkedToken = await _cache.CheckAsync(changed.AsMemory());

        Assert.Null(checkedToken.Caller);
        Assert.Equal(TokenFailure.Invalid, checkedToken.Failure);
    }

    [Fact]
    public async Task ManyTokensNeverTakeTheCacheOverItsBudget()
    {
        var budget = _cache.Budget;
        var tokens = Enumerable.Range(0, 2 * (int)(budget / AccessTokenCache.AnonymousEntryBytes)).Select(_ => _tokens.IssueAnonymous().AccessToken).ToList();
        var largest = 0L;

        foreach (var token in tokens)
        {
            Assert.NotNull((await _cache.CheckAsync(token.AsMemory())).Caller);
            largest = Math.Max(largest, _cache.Bytes);
        }

        Assert.InRange(largest, budget - AccessTokenCache.AnonymousEntryBytes, budget);
        Assert.Equal(_cache.Count * (long)AccessTokenCache.AnonymousEntryBytes, _cache.Bytes);
        Assert.True(_cache.Remembers(tokens[^1]));
    }

    [Fact]
    public async Task MakingRoomDropsExpiredEntriesFirstWhateverTheirUse()
    {
        // A tenth of the budget and more: the sweep needs nothing else.
        var early = await AddAsync(_cache.Budget / 10 / AccessTokenCache.AnonymousEntryBytes + 10);
        foreach (var token in early)
        {
            await _cache.CheckAsync(token.AsMemory());
        }
        _time.Advance(TimeSpan.FromSeconds(910));
        var live = await FillAsync();

        _time.Advance(TimeSpan.FromSeconds(30));
        await _cache.CheckAsync(_tokens.IssueAnonymous().AccessToken.AsMemory());

        Assert.DoesNotContain(early, token => _cache.Remembers(token));
        Assert.All(live, token => Assert.True(_cache.Remembers(token)));
    }

    [Fact]
    public async Task MakingRoomKeepsTokensPresentedAgainOverTokensUsedOnce()
    {
        var kept = Issue(9).AccessToken;
        await _cache.CheckAsync(kept.AsMemory());
        await _cache.CheckAsync(kept.AsMemory());
        _time.Advance(TimeSpan.FromSeconds(60));

        var flood = await FillAsync();
        await _cache.CheckAsync(_tokens.IssueAnonymous().AccessToken.AsMemory());

        Assert.True(_cache.Remembers(kept));
        Assert.InRange(flood.Count(token => _cache.Remembers(token)), 1, flood.Count - 1);
    }

    [Fact]
    public async Task MakingRoomDropsTheEntriesNearestTheirExpiryAmongTokensUsedOnce()
    {
        var older = await AddAsync(200);
        _time.Advance(TimeSpan.FromSeconds(300));

        var newer = await FillAsync();
        await _cache.CheckAsync(_tokens.IssueAnonymous().AccessToken.AsMemory());

        Assert.DoesNotContain(older, token => _cache.Remembers(token));
        Assert.InRange(newer.Count(token => _cache.Remembers(token)), newer.Count - _cache.Budget / 10 / AccessTokenCache.AnonymousEntryBytes, newer.Count - 1);
    }

    [Fact]
    public async Task ASweepDropsExpiredEntriesAndCountsThem()
    {
        await _cache.CheckAsync(_pair.AccessToken.AsMemory());
        _time.SetUtcNow(_pair.AccessExpiresAt + _tokens.AccessValidation.ClockSkew + TimeSpan.FromSeconds(1));
        using var evictions = new MetricCollector<long>(_services.GetRequiredService<IMeterFactory>(), UserApiMetrics.MeterName, "userapi.access_token_cache.evictions");

        await FillAsync();
        await _cache.CheckAsync(_tokens.IssueAnonymous().AccessToken.AsMemory());

        Assert.False(_cache.Remembers(_pair.AccessToken));
        Assert.Contains(evictions.GetMeasurementSnapshot(), m => m.Tags["reason"] as string == "expired");
        Assert.Contains(evictions.GetMeasurementSnapshot(), m => m.Tags["reason"] as string == "budget");
        Assert.Equal(TokenFailure.Expired, (await _cache.CheckAsync(_pair.AccessToken.AsMemory())).Failure);
    }

    /// <summary>Anonymous tokens, each presented once.</summary>
    private async Task<List<string>> AddAsync(long count)
    {
        var added = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var token = _tokens.IssueAnonymous().AccessToken;
            await _cache.CheckAsync(token.AsMemory());
            added.Add(token);
        }
        return added;
    }

    /// <summary>Anonymous tokens, each presented once, until the next one would not fit.</summary>
    private async Task<List<string>> FillAsync() =>
        await AddAsync((_cache.Budget - _cache.Bytes) / AccessTokenCache.AnonymousEntryBytes);

    private AccessTokenCache Cache(int megabytes) => new(_tokens, Options(megabytes), _time, _metrics);

    private static IOptions<AuthOptions> Options(int megabytes) => Microsoft.Extensions.Options.Options.Create(new AuthOptions
    {
        AccessSecret = "caching-handler-test-access-secret-0123456789",
        RefreshSecret = "caching-handler-test-refresh-secret-0123456789",
        TokenCacheMegabytes = megabytes,
    });

    private TokenPair Issue(long userId)
    {
        var now = _time.GetUtcNow();
        var user = new User(userId, $"user{userId}", $"user{userId}", "user", false, now.UtcDateTime, now.UtcDateTime, now.UtcDateTime);
        var session = new Session(Ids.New(), userId, Ids.New(), null, now, now, now.AddDays(7), "127.0.0.1", "test");
        return _tokens.Issue(user, session);
    }
}
