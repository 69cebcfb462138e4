using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;
using UserApi.Configuration;
using UserApi.Sessions;
using UserApi.Tokens;
using UserApi.Users;

namespace UserApi.Tests.Tokens;

public sealed class CachingTokenHandlerTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly TokenService _tokens;
    private readonly CachingTokenHandler _handler;
    private readonly TokenPair _pair;

    public CachingTokenHandlerTests()
    {
        _tokens = new TokenService(Options.Create(new AuthOptions
        {
            AccessSecret = "caching-handler-test-access-secret-0123456789",
            RefreshSecret = "caching-handler-test-refresh-secret-0123456789",
        }), _time);
        _handler = new CachingTokenHandler(_time);
        var now = _time.GetUtcNow();
        var user = new User(7, "alice", "alice", "$argon2id$", "user", false, now.UtcDateTime, now.UtcDateTime, now.UtcDateTime);
        var session = new Session(Ids.New(), 7, Ids.New(), null, now, now, now.AddDays(7), "127.0.0.1", "test");
        _pair = _tokens.Issue(user, session);
    }

    /// <summary>The token is found again from the characters of a header that holds it, with the principal built the first time.</summary>
    [Fact]
    public async Task ATokenSeenBeforeIsFoundFromTheHeadersCharacters()
    {
        var first = await _handler.ValidateAsync(_pair.AccessToken.AsMemory(), _tokens.AccessValidation);
        var header = $"Bearer {_pair.AccessToken}";

        var again = await _handler.ValidateAsync(header.AsMemory("Bearer ".Length), _tokens.AccessValidation);

        Assert.NotNull(first.Principal);
        Assert.Same(first.Principal, again.Principal);
    }

    [Fact]
    public async Task AHitAllocatesNothing()
    {
        var header = $"Bearer {_pair.AccessToken}".AsMemory("Bearer ".Length);
        for (var i = 0; i < 3; i++)
        {
            await _handler.ValidateAsync(header, _tokens.AccessValidation);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var hit = _handler.ValidateAsync(header, _tokens.AccessValidation);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(hit.IsCompletedSuccessfully);
        Assert.NotNull((await hit).Principal);
        Assert.Equal(0, allocated);
    }

    /// <summary>A token remembered for one kind of validation is not a hit for parameters of another kind.</summary>
    [Fact]
    public async Task TheKindValidatedIsPartOfTheCacheKey()
    {
        var otherKind = _tokens.AccessValidation.Clone();
        otherKind.PropertyBag = new Dictionary<string, object>();
        var asAccess = await _handler.ValidateAsync(_pair.AccessToken.AsMemory(), _tokens.AccessValidation);

        var asOther = await _handler.ValidateAsync(_pair.AccessToken.AsMemory(), otherKind);

        Assert.NotNull(asAccess.Principal);
        Assert.NotNull(asOther.Principal);
        Assert.NotSame(asAccess.Principal, asOther.Principal);
    }

    [Fact]
    public async Task ARememberedTokenPastItsLifetimeFailsAsExpired()
    {
        Assert.NotNull((await _handler.ValidateAsync(_pair.AccessToken.AsMemory(), _tokens.AccessValidation)).Principal);

        _time.SetUtcNow(_pair.AccessExpiresAt + _tokens.AccessValidation.ClockSkew + TimeSpan.FromSeconds(1));
        var expired = await _handler.ValidateAsync(_pair.AccessToken.AsMemory(), _tokens.AccessValidation);

        Assert.Null(expired.Principal);
        Assert.IsType<SecurityTokenExpiredException>(expired.Result.Exception);
    }
}
