using Microsoft.Extensions.Time.Testing;
using UserApi.Tests.Support;
using UserApi.Users;

namespace UserApi.Tests.Users;

/// <summary>The in-process first-level user cache over a fake store (a unit test: the functional suites cover it with real stores).</summary>
public sealed class LocalUserCacheTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly FakeStore _store = new();
    private readonly LocalUserChangeFeed _changes = new();
    private readonly LocalUserCache _cache;

    public LocalUserCacheTests() => _cache = new LocalUserCache(_store, _changes, _time);

    [Fact]
    public async Task AHitAllocatesNothingAndAsksTheStoreNothing()
    {
        var user = _store.Add(7, "ada");
        Assert.Same(user, await _cache.FindByIdAsync(7, default));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var hit = _cache.FindByIdAsync(7, default);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(hit.IsCompletedSuccessfully);
        Assert.Same(user, await hit);
        Assert.Equal(0, allocated);
        Assert.Equal(1, _store.Reads);
    }

    [Fact]
    public async Task AnEntryIsReadAgainOnceItsLifetimeIsOver()
    {
        _store.Add(7, "ada");
        await _cache.FindByIdAsync(7, default);
        _time.Advance(LocalUserCache.Lifetime - TimeSpan.FromSeconds(1));
        await _cache.FindByIdAsync(7, default);
        Assert.Equal(1, _store.Reads);

        var renamed = _store.Add(7, "grace");
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Same(renamed, await _cache.FindByIdAsync(7, default));
        Assert.Equal(2, _store.Reads);
    }

    [Fact]
    public async Task AChangeEvictsAndAnUnknownUserIsNotKept()
    {
        Assert.Null(await _cache.FindByIdAsync(8, default));
        var user = _store.Add(8, "ada");
        Assert.Same(user, await _cache.FindByIdAsync(8, default));

        await _cache.SetDisabledAsync(8, true, _time.GetUtcNow().UtcDateTime, default);
        Assert.True((await _cache.FindByIdAsync(8, default))!.Disabled);
        Assert.Equal(3, _store.Reads);
    }

    private sealed class FakeStore : UnsupportedUserStore
    {
        private readonly Dictionary<long, User> _users = [];

        public int Reads { get; private set; }

        public User Add(long id, string name)
        {
            var now = DateTime.UtcNow;
            return _users[id] = new User(id, name, name, User.DefaultRole, false, now, now, now);
        }

        public override async Task<User?> FindByIdAsync(long id, CancellationToken cancellationToken)
        {
            Reads++;
            await Task.Yield();
            return _users.GetValueOrDefault(id);
        }

        public override Task SetDisabledAsync(long id, bool disabled, DateTime now, CancellationToken cancellationToken)
        {
            _users[id] = _users[id] with { Disabled = disabled };
            return Task.CompletedTask;
        }
    }
}
