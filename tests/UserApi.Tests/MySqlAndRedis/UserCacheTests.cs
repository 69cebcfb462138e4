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
    public async Task ARowIsCachedWithAJitteredExpiry()
    {
        var (cache, counter, redis) = await CacheOnAsync(TestServers.Redis);
        var user = await CreateUserAsync(cache);
        var found = await cache.FindByIdAsync(user.Id, default);
        Assert.Equal(user.Username, found!.Username);
        var ttl = (await redis.GetDatabase().KeyTimeToLiveAsync(RedisKeys.UserById(user.Id)))!.Value;
        Assert.InRange(ttl, CachedUserStore.Expiry * 0.95 - TimeSpan.FromSeconds(5), CachedUserStore.Expiry * 1.05);

        Assert.Equal(user.Id, (await cache.FindByIdAsync(user.Id, default))!.Id);
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
    public async Task AWriteDeletesTheCachedRow()
    {
        var (cache, counter, redis) = await CacheOnAsync(TestServers.Redis);
        var user = await CreateUserAsync(cache);
        await cache.FindByIdAsync(user.Id, default);
        await cache.UpdatePasswordHashAsync(user.Id, "$argon2id$changed", passwordChanged: true, DateTime.UtcNow, default);
        Assert.False(await redis.GetDatabase().KeyExistsAsync(RedisKeys.UserById(user.Id)));
        Assert.Equal("$argon2id$changed", (await cache.FindByIdAsync(user.Id, default))!.PasswordHash);
        Assert.Equal(2, counter.Queries);
    }

    [Fact]
    public async Task DeletingAUserDeletesBothOfItsKeys()
    {
        var (cache, _, redis) = await CacheOnAsync(TestServers.Redis);
        var user = await CreateUserAsync(cache);
        await cache.FindByUsernameAsync(user.UsernameNormalized, default);
        await cache.DeleteAsync(user, default);
        Assert.False(await redis.GetDatabase().KeyExistsAsync(RedisKeys.UserById(user.Id)));
        Assert.False(await redis.GetDatabase().KeyExistsAsync(RedisKeys.UserByUsername(user.UsernameNormalized)));
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

        // Redis stops answering while the row changes: the delete after the write cannot reach it.
        server.Freeze();
        await cache.UpdatePasswordHashAsync(user.Id, "$argon2id$changed-during-outage", passwordChanged: true, DateTime.UtcNow, default);
        server.Thaw();
        _time.Advance(TimeSpan.FromMinutes(1));

        // The old row is still in Redis, but the pending delete runs before the cache is read again.
        Assert.Equal("$argon2id$changed-during-outage", (await cache.FindByIdAsync(user.Id, default))!.PasswordHash);
        Assert.Equal("$argon2id$changed-during-outage", (await cache.FindByIdAsync(user.Id, default))!.PasswordHash);
    }

    private readonly MeterFactory _meterFactory = new();

    private async Task<(CachedUserStore Cache, CountingUserStore Counter, IConnectionMultiplexer Redis)> CacheOnAsync(
        string host, TimeSpan queryDelay = default, CommandMap? commands = null)
    {
        var options = RedisConnection.Options([new RedisNodeOptions { Host = host }], "user-api-tests");
        options.CommandMap = commands ?? CommandMap.Default;
        var redis = await ConnectionMultiplexer.ConnectAsync(options);
        _disposables.Add(redis);
        var counter = new CountingUserStore(_database, queryDelay);
        var cache = new CachedUserStore(counter, redis, _time, new UserApiMetrics(_meterFactory), NullLogger<CachedUserStore>.Instance);
        return (cache, counter, redis);
    }

    private static async Task<User> CreateUserAsync(IUserStore store)
    {
        var name = ApiClient.NewUsername();
        return (await store.CreateAsync(new NewUser(name, name, "$argon2id$original", "user", DateTime.UtcNow), default))!;
    }

    /// <summary>The real SQL store, counting its look-ups; optionally slow, so that concurrent misses overlap.</summary>
    private sealed class CountingUserStore(IUserStore inner, TimeSpan delay) : IUserStore
    {
        private int _queries;

        public int Queries => Volatile.Read(ref _queries);

        public async Task<User?> FindByIdAsync(long id, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _queries);
            await Task.Delay(delay, cancellationToken);
            return await inner.FindByIdAsync(id, cancellationToken);
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

        public Task EndSessionsAsync(long id, DateTime at, string? keptSessionId, CancellationToken cancellationToken) =>
            inner.EndSessionsAsync(id, at, keptSessionId, cancellationToken);

        public Task<SessionCutoff?> ReadSessionCutoffAsync(long id, CancellationToken cancellationToken) => inner.ReadSessionCutoffAsync(id, cancellationToken);
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
