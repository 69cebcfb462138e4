using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using UserApi.Configuration;
using UserApi.Diagnostics;
using UserApi.Redis;
using UserApi.Tests.Support;
using UserApi.Users;

namespace UserApi.Tests.MySqlAndRedis;

/// <summary>The goctl-style cache over real MariaDB and real Redis, counting the database queries it lets through.</summary>
public sealed class UserCacheTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly List<IAsyncDisposable> _disposables = [];
    private SqlUserStore _database = null!;

    public async Task InitializeAsync()
    {
        var dialect = new MySqlDialect(TestServers.MySqlDataSource);
        await new Migrations(dialect, NullLogger<Migrations>.Instance).ApplyAsync(CancellationToken.None);
        _database = new SqlUserStore(dialect);
    }

    public async Task DisposeAsync()
    {
        foreach (var disposable in _disposables)
        {
            await disposable.DisposeAsync();
        }
    }

    [Fact]
    public async Task AnUnknownUsernameIsCachedAsThePlaceholderForAShortTime()
    {
        var (cache, counter, redis) = await CacheOnAsync(TestServers.Redis);
        var name = ApiClient.NewUsername("nobody");
        Assert.Null(await cache.FindByUsernameAsync(name, default));
        Assert.Equal("*", (string?)await redis.GetDatabase().StringGetAsync(RedisKeys.UserByUsername(name)));
        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync(RedisKeys.UserByUsername(name));
        Assert.InRange(ttl!.Value.TotalSeconds, 1, CachedUserStore.NotFoundExpiry.TotalSeconds);

        Assert.Null(await cache.FindByUsernameAsync(name, default));
        Assert.Equal(1, counter.Queries);
    }

    [Fact]
    public async Task ARowIsCachedForMinutesWithAJitteredExpiryAndWithoutItsPasswordHash()
    {
        var (cache, counter, redis) = await CacheOnAsync(TestServers.Redis);
        var user = await CreateUserAsync(cache);
        var found = await cache.FindByIdAsync(user.Id, default);
        Assert.Equal(user.Username, found!.Username);
        var ttl = (await redis.GetDatabase().KeyTimeToLiveAsync(RedisKeys.UserById(user.Id)))!.Value;
        Assert.Equal(TimeSpan.FromMinutes(5), CachedUserStore.Expiry);
        Assert.InRange(ttl, CachedUserStore.Expiry * 0.95 - TimeSpan.FromSeconds(5), CachedUserStore.Expiry * 1.05);
        var payload = (string?)await redis.GetDatabase().StringGetAsync(RedisKeys.UserById(user.Id));
        Assert.Contains(user.Username, payload);
        Assert.DoesNotContain("argon2id", payload);
        Assert.DoesNotContain("passwordHash", payload);

        Assert.Equal(user.Id, (await cache.FindByIdAsync(user.Id, default))!.Id);
        Assert.Equal(1, counter.Queries);
    }

    [Fact]
    public async Task AStaleWriteBackAfterAnUpdateDoesNotLand()
    {
        // goctl's race, made deterministic: a reader loads the row, the row is disabled and its key invalidated,
        // then the reader tries to store what it loaded.
        var (cache, counter, redis) = await CacheOnAsync(TestServers.Redis);
        var user = await CreateUserAsync(cache);
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        counter.AfterLoad = async () =>
        {
            counter.AfterLoad = null;
            loaded.SetResult();
            await release.Task;
        };
        var staleRead = cache.FindByIdAsync(user.Id, default);
        await loaded.Task;

        await cache.SetDisabledAsync(user.Id, true, DateTime.UtcNow, default);
        release.SetResult();
        Assert.False((await staleRead)!.Disabled);

        var held = (string?)await redis.GetDatabase().StringGetAsync(RedisKeys.UserById(user.Id));
        Assert.StartsWith("!", held);
        Assert.True((await cache.FindByIdAsync(user.Id, default))!.Disabled);
        Assert.True((await cache.FindByIdAsync(user.Id, default))!.Disabled);
        Assert.Equal(2, counter.Queries);
    }

    [Fact]
    public async Task AReadThatSawNoWriteStoresItsRowOverTheTombstone()
    {
        var (cache, counter, redis) = await CacheOnAsync(TestServers.Redis);
        var user = await CreateUserAsync(cache);
        await cache.SetDisabledAsync(user.Id, true, DateTime.UtcNow, default);
        Assert.StartsWith("!", (string?)await redis.GetDatabase().StringGetAsync(RedisKeys.UserById(user.Id)));

        Assert.True((await cache.FindByIdAsync(user.Id, default))!.Disabled);
        Assert.StartsWith("{", (string?)await redis.GetDatabase().StringGetAsync(RedisKeys.UserById(user.Id)));
        Assert.True((await cache.FindByIdAsync(user.Id, default))!.Disabled);
        Assert.Equal(1, counter.Queries);
    }

    [Fact]
    public void JitterStaysWithinFivePercentAndSpreads()
    {
        var samples = Enumerable.Range(0, 10_000).Select(_ => CachedUserStore.Jittered(TimeSpan.FromDays(7)).TotalSeconds).ToList();
        Assert.All(samples, s => Assert.InRange(s, TimeSpan.FromDays(7).TotalSeconds * 0.95, TimeSpan.FromDays(7).TotalSeconds * 1.05));
        Assert.True(samples.Max() - samples.Min() > TimeSpan.FromDays(7).TotalSeconds * 0.08, "expiries are not spread");
    }

    [Fact]
    public async Task FiftyConcurrentMissesLoadOnce()
    {
        var (cache, counter, _) = await CacheOnAsync(TestServers.Redis, queryDelay: TimeSpan.FromMilliseconds(200));
        var user = await CreateUserAsync(cache);
        // An asynchronous start line, not a Barrier: 50 thread-pool threads blocked in a Barrier wait for the
        // pool to grow to 50 (a thread or two a second on 2 cores), which took 36 s and starved every other test.
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lookups = Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            return await cache.FindByIdAsync(user.Id, default);
        })).ToList();
        start.SetResult();
        var results = await Task.WhenAll(lookups);
        Assert.All(results, u => Assert.Equal(user.Id, u!.Id));
        Assert.Equal(1, counter.Queries);
    }

    [Fact]
    public async Task AWriteLeavesATombstoneInPlaceOfTheCachedRow()
    {
        var (cache, counter, redis) = await CacheOnAsync(TestServers.Redis);
        var user = await CreateUserAsync(cache);
        await cache.FindByIdAsync(user.Id, default);
        var changedAt = DateTime.UtcNow.AddSeconds(1);
        await cache.UpdatePasswordHashAsync(user.Id, "$argon2id$changed", passwordChanged: true, changedAt, default);
        var tombstone = (string?)await redis.GetDatabase().StringGetAsync(RedisKeys.UserById(user.Id));
        Assert.StartsWith("!", tombstone);
        Assert.InRange((await redis.GetDatabase().KeyTimeToLiveAsync(RedisKeys.UserById(user.Id)))!.Value, TimeSpan.FromSeconds(1), UserCacheCleaner.TombstoneLifetime);
        Assert.True((await cache.FindByIdAsync(user.Id, default))!.PasswordChangedAt > user.PasswordChangedAt);
        Assert.Equal("$argon2id$changed", (await cache.ReadCredentialsAsync(user.Id, default))!.PasswordHash);
        Assert.Equal(2, counter.Queries);
    }

    [Fact]
    public async Task DeletingAUserInvalidatesBothOfItsKeys()
    {
        var (cache, _, redis) = await CacheOnAsync(TestServers.Redis);
        var user = await CreateUserAsync(cache);
        await cache.FindByUsernameAsync(user.UsernameNormalized, default);
        await cache.DeleteAsync(user, default);
        Assert.StartsWith("!", (string?)await redis.GetDatabase().StringGetAsync(RedisKeys.UserById(user.Id)));
        Assert.StartsWith("!", (string?)await redis.GetDatabase().StringGetAsync(RedisKeys.UserByUsername(user.UsernameNormalized)));
        Assert.Null(await cache.FindByIdAsync(user.Id, default));
        Assert.Null(await cache.FindByUsernameAsync(user.UsernameNormalized, default));
    }

    [Fact]
    public async Task RegisteringDeletesTheNotFoundPlaceholder()
    {
        var (cache, _, _) = await CacheOnAsync(TestServers.Redis);
        var name = ApiClient.NewUsername("later");
        Assert.Null(await cache.FindByUsernameAsync(name, default));
        var user = await cache.CreateAsync(new NewUser(name, name, "$argon2id$x", "user", DateTime.UtcNow), default);
        Assert.Equal(user!.Id, (await cache.FindByUsernameAsync(name, default))!.Id);
    }

    [Fact]
    public async Task ReadsFallBackToTheDatabaseWhileRedisIsDownAndAreCounted()
    {
        var server = await RedisServerProcess.StartAsync();
        _disposables.Add(server);
        var (cache, counter, _) = await CacheOnAsync(server.Host);
        using var errors = new MetricCollector<long>(_meterFactory, UserApiMetrics.MeterName, "userapi.user_cache.errors");
        var user = await CreateUserAsync(cache);
        await cache.FindByIdAsync(user.Id, default);

        await server.StopAsync();
        Assert.Equal(user.Id, (await cache.FindByIdAsync(user.Id, default))!.Id);
        Assert.Equal(user.Id, (await cache.FindByUsernameAsync(user.UsernameNormalized, default))!.Id);
        Assert.True(counter.Queries >= 2);
        Assert.True(errors.GetMeasurementSnapshot().Sum(m => m.Value) >= 1);
    }

    [Fact]
    public async Task ReadsFallBackToTheDatabaseWhenRedisRefusesTheCommand()
    {
        // StackExchange.Redis refuses a command missing from its command map with a RedisCommandException,
        // which is not a RedisException: the cache must fall back for it too, not fail the read.
        var (cache, counter, _) = await CacheOnAsync(TestServers.Redis, commands: CommandMap.Create(["GET", "SET", "DEL"], available: false));
        using var errors = new MetricCollector<long>(_meterFactory, UserApiMetrics.MeterName, "userapi.user_cache.errors");
        var user = await CreateUserAsync(cache);

        Assert.Equal(user.Username, (await cache.FindByIdAsync(user.Id, default))!.Username);
        Assert.Equal(1, counter.Queries);
        Assert.True(errors.GetMeasurementSnapshot().Sum(m => m.Value) >= 1);
    }

    [Fact]
    public async Task NothingStaleIsServedAfterRedisComesBack()
    {
        var server = await RedisServerProcess.StartAsync();
        _disposables.Add(server);
        var (cache, _, redis) = await CacheOnAsync(server.Host);
        var user = await CreateUserAsync(cache);
        await cache.FindByIdAsync(user.Id, default);
        Assert.True(await redis.GetDatabase().KeyExistsAsync(RedisKeys.UserById(user.Id)));

        // Redis stops answering while the row changes: the invalidation after the write cannot reach it.
        server.Freeze();
        await cache.SetDisabledAsync(user.Id, true, DateTime.UtcNow, default);
        server.Thaw();

        // The old row is still in Redis, but the pending invalidation runs before the cache is read again.
        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.True((await cache.FindByIdAsync(user.Id, default))!.Disabled);
        Assert.True((await cache.FindByIdAsync(user.Id, default))!.Disabled);
    }

    [Fact]
    public async Task AnInvalidationRedisRefusedIsRetriedOnATimerWithoutAnyRead()
    {
        var (redis, key) = await CachedRowWhoseInvalidationWasRefusedAsync();

        // Another instance reads Redis directly: only the timer can correct what it would be served.
        await Poll.UntilAsync(async () =>
        {
            _time.Advance(UserCacheCleaner.RetryInterval);
            return ((string?)await redis.GetDatabase().StringGetAsync(key))?.StartsWith('!') == true;
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task PendingInvalidationsAreWrittenWhenTheProcessDrainsThem()
    {
        var (redis, key) = await CachedRowWhoseInvalidationWasRefusedAsync();

        await _cleaner!.DrainAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        Assert.Equal(0, _cleaner.PendingCount);
        Assert.StartsWith("!", (string?)await redis.GetDatabase().StringGetAsync(key));
    }

    /// <summary>
    /// A cached row, then a write whose invalidation Redis refused: SET and its forms refused by an ACL for the
    /// moment, a blip that loses the write for sure (a frozen server would run the command the client gave up on as
    /// soon as it is thawed). Returns the key, still holding the old row, with its invalidation pending.
    /// </summary>
    private async Task<(IConnectionMultiplexer Redis, RedisKey Key)> CachedRowWhoseInvalidationWasRefusedAsync()
    {
        var server = await RedisServerProcess.StartAsync();
        _disposables.Add(server);
        var (cache, _, redis) = await CacheOnAsync(server.Host);
        var user = await CreateUserAsync(cache);
        await cache.FindByIdAsync(user.Id, default);

        await RefuseSetAsync(redis, server, refuse: true);
        await cache.SetDisabledAsync(user.Id, true, DateTime.UtcNow, default);
        await RefuseSetAsync(redis, server, refuse: false);
        Assert.Equal(1, _cleaner!.PendingCount);
        Assert.StartsWith("{", (string?)await redis.GetDatabase().StringGetAsync(RedisKeys.UserById(user.Id)));
        return (redis, RedisKeys.UserById(user.Id));
    }

    private static async Task RefuseSetAsync(IConnectionMultiplexer redis, RedisServerProcess server, bool refuse)
    {
        var sign = refuse ? "-" : "+";
        await redis.GetServer(server.Host).ExecuteAsync("ACL", "SETUSER", "default", sign + "set", sign + "setex", sign + "psetex");
    }

    private readonly MeterFactory _meterFactory = new();
    private UserCacheCleaner? _cleaner;

    private async Task<(CachedUserStore Cache, CountingUserStore Counter, IConnectionMultiplexer Redis)> CacheOnAsync(
        string host, TimeSpan queryDelay = default, CommandMap? commands = null)
    {
        var options = RedisConnection.Options([new RedisNodeOptions { Host = host }], "user-api-tests");
        options.CommandMap = commands ?? CommandMap.Default;
        var redis = await ConnectionMultiplexer.ConnectAsync(options);
        _disposables.Add(redis);
        var counter = new CountingUserStore(_database, queryDelay);
        _cleaner = new UserCacheCleaner(redis, _time, NullLogger<UserCacheCleaner>.Instance);
        _disposables.Add(new Disposal(_cleaner.Dispose));
        var cache = new CachedUserStore(counter, redis, _cleaner, _time, new UserApiMetrics(_meterFactory), NullLogger<CachedUserStore>.Instance);
        return (cache, counter, redis);
    }

    private static async Task<User> CreateUserAsync(IUserStore store)
    {
        var name = ApiClient.NewUsername();
        return (await store.CreateAsync(new NewUser(name, name, "$argon2id$original", "user", DateTime.UtcNow), default))!;
    }

    private sealed class Disposal(Action dispose) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// The real SQL store, counting its look-ups; optionally slow, so that concurrent misses overlap, or held after a
    /// load by id (<see cref="AfterLoad"/>), so that a write can come between the load and the write-back.
    /// </summary>
    private sealed class CountingUserStore(IUserStore inner, TimeSpan delay) : IUserStore
    {
        private int _queries;

        public int Queries => Volatile.Read(ref _queries);

        public Func<Task>? AfterLoad { get; set; }

        public async Task<User?> FindByIdAsync(long id, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _queries);
            await Task.Delay(delay, cancellationToken);
            var user = await inner.FindByIdAsync(id, cancellationToken);
            if (AfterLoad is { } afterLoad)
            {
                await afterLoad();
            }
            return user;
        }

        public async Task<User?> FindByUsernameAsync(string usernameNormalized, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _queries);
            await Task.Delay(delay, cancellationToken);
            return await inner.FindByUsernameAsync(usernameNormalized, cancellationToken);
        }

        public Task<User?> CreateAsync(NewUser user, CancellationToken cancellationToken) => inner.CreateAsync(user, cancellationToken);

        public Task UpdatePasswordHashAsync(long id, string passwordHash, bool passwordChanged, DateTime now, CancellationToken cancellationToken) =>
            inner.UpdatePasswordHashAsync(id, passwordHash, passwordChanged, now, cancellationToken);

        public Task SetDisabledAsync(long id, bool disabled, DateTime now, CancellationToken cancellationToken) =>
            inner.SetDisabledAsync(id, disabled, now, cancellationToken);

        public Task DeleteAsync(User user, CancellationToken cancellationToken) => inner.DeleteAsync(user, cancellationToken);

        public Task<bool> SetEmailAsync(long id, string? email, string? emailNormalized, DateTime now, CancellationToken cancellationToken) =>
            inner.SetEmailAsync(id, email, emailNormalized, now, cancellationToken);

        public Task<bool> MarkEmailVerifiedAsync(long id, string emailNormalized, DateTime now, CancellationToken cancellationToken) =>
            inner.MarkEmailVerifiedAsync(id, emailNormalized, now, cancellationToken);

        public Task<Mailbox?> FindMailboxAsync(string? usernameNormalized, string? emailNormalized, CancellationToken cancellationToken) =>
            inner.FindMailboxAsync(usernameNormalized, emailNormalized, cancellationToken);

        public Task EndSessionsAsync(long id, DateTime at, string? keptSessionId, CancellationToken cancellationToken) =>
            inner.EndSessionsAsync(id, at, keptSessionId, cancellationToken);

        public Task<SessionCutoff?> ReadSessionCutoffAsync(long id, CancellationToken cancellationToken) => inner.ReadSessionCutoffAsync(id, cancellationToken);

        public Task<Credentials?> ReadCredentialsAsync(long id, CancellationToken cancellationToken) => inner.ReadCredentialsAsync(id, cancellationToken);

        public Task<User?> ReadAsync(long id, CancellationToken cancellationToken) => inner.ReadAsync(id, cancellationToken);

        public Task<IReadOnlyList<User>> ListAsync(string usernamePrefix, long afterId, int limit, CancellationToken cancellationToken) =>
            inner.ListAsync(usernamePrefix, afterId, limit, cancellationToken);

        public Task SetRoleAsync(long id, string role, DateTime now, CancellationToken cancellationToken) => inner.SetRoleAsync(id, role, now, cancellationToken);

        public Task RecordLoginAsync(long id, DateTime at, CancellationToken cancellationToken) => inner.RecordLoginAsync(id, at, cancellationToken);

        public Task EndEverySessionAsync(DateTime at, CancellationToken cancellationToken) => inner.EndEverySessionAsync(at, cancellationToken);

        public Task<DateTime?> ReadEverySessionEndedAtAsync(CancellationToken cancellationToken) => inner.ReadEverySessionEndedAtAsync(cancellationToken);
    }

    private sealed class MeterFactory : System.Diagnostics.Metrics.IMeterFactory
    {
        private readonly List<System.Diagnostics.Metrics.Meter> _meters = [];

        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options)
        {
            var meter = new System.Diagnostics.Metrics.Meter(options.Name, options.Version, options.Tags, this);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }
}
