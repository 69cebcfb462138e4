using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using UserApi.Security;
using UserApi.Tests.Support;

namespace UserApi.Tests.Security;

/// <summary>
/// The rules of <see cref="IRateLimitStore"/>, written once and run on every implementation: a fixed window per key
/// from its first request, exactly the limit counted in it (parallel requests too), refusals that neither count nor
/// move the window, and the time left until it ends.
/// </summary>
public abstract class RateLimitStoreContract
{
    private static readonly CancellationToken None = CancellationToken.None;

    protected abstract IRateLimitStore Store { get; }

    /// <summary>A window the store ends within: the in-process store goes by its clock, Redis by its key expiry (real time).</summary>
    protected abstract TimeSpan Window { get; }

    /// <summary>Lets <paramref name="span"/> pass for the store.</summary>
    protected abstract Task ElapseAsync(TimeSpan span);

    [Fact]
    public async Task RequestsUpToTheLimitAreCountedAndTheNextIsRefusedWithTheTimeLeft()
    {
        var key = NewKey();
        for (var i = 1; i <= 3; i++)
        {
            var counted = await Store.TryAcquireAsync(key, 3, Window, None);
            Assert.Equal((true, i), (counted.Acquired, counted.Count));
            Assert.InRange(counted.ResetAfter, TimeSpan.FromTicks(1), Window);
        }

        var refused = await Store.TryAcquireAsync(key, 3, Window, None);

        Assert.Equal((false, 3L), (refused.Acquired, refused.Count));
        Assert.InRange(refused.ResetAfter, TimeSpan.FromTicks(1), Window);
    }

    [Fact]
    public async Task OfParallelRequestsExactlyTheLimitAreCounted()
    {
        var key = NewKey();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requests = Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            return await Store.TryAcquireAsync(key, 5, Window, None);
        })).ToList();
        start.SetResult();

        var results = await Task.WhenAll(requests);

        Assert.Equal(5, results.Count(r => r.Acquired));
        Assert.Equal(Enumerable.Range(1, 5).Select(i => (long)i), results.Where(r => r.Acquired).Select(r => r.Count).Order());
        Assert.All(results.Where(r => !r.Acquired), r => Assert.Equal(5, r.Count));
    }

    [Fact]
    public async Task TheWindowEndsAWindowAfterItsFirstRequestWhateverWasRefusedMeanwhile()
    {
        var key = NewKey();
        await Store.TryAcquireAsync(key, 2, Window, None);
        await ElapseAsync(Window * 0.5);
        Assert.True((await Store.TryAcquireAsync(key, 2, Window, None)).Acquired);

        var refused = await Store.TryAcquireAsync(key, 2, Window, None);
        Assert.False(refused.Acquired);
        Assert.InRange(refused.ResetAfter, TimeSpan.FromTicks(1), Window * 0.5);
        await ElapseAsync(Window * 0.3);
        Assert.False((await Store.TryAcquireAsync(key, 2, Window, None)).Acquired);

        await ElapseAsync(Window * 0.25);
        var next = await Poll.UntilAsync(() => Store.TryAcquireAsync(key, 2, Window, None).AsTask(), r => r.Acquired, Window + TimeSpan.FromSeconds(5));
        Assert.Equal((true, 1L), (next.Acquired, next.Count));
    }

    [Fact]
    public async Task EachKeyIsCountedOnItsOwn()
    {
        var (first, second) = (NewKey(), NewKey());
        Assert.True((await Store.TryAcquireAsync(first, 1, Window, None)).Acquired);
        Assert.False((await Store.TryAcquireAsync(first, 1, Window, None)).Acquired);

        Assert.True((await Store.TryAcquireAsync(second, 1, Window, None)).Acquired);
    }

    private static string NewKey() => $"contract:{Guid.NewGuid():N}";
}

/// <summary>The embedded mode's counters, on a clock the test moves.</summary>
public sealed class InProcessRateLimitStoreTests : RateLimitStoreContract
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    public InProcessRateLimitStoreTests() => Store = new InMemoryRateLimitStore(_time);

    protected override IRateLimitStore Store { get; }

    protected override TimeSpan Window => TimeSpan.FromMinutes(1);

    protected override Task ElapseAsync(TimeSpan span)
    {
        _time.Advance(span);
        return Task.CompletedTask;
    }
}

/// <summary>Counters in Redis: the window is a key expiry on Redis's clock, so it is short and real.</summary>
public abstract class RedisRateLimitStoreTests(RedisFixture redis) : RateLimitStoreContract
{
    protected override IRateLimitStore Store { get; } = NewStore(redis);

    // The refusal 0.8 windows after the first request: 1.6 s of margin for 2 cores shared with other test runs.
    protected override TimeSpan Window => TimeSpan.FromSeconds(8);

    protected override Task ElapseAsync(TimeSpan span) => Task.Delay(span);

    // The store counts in process while Redis fails: these two show that the contract above ran against Redis.
    [Fact]
    public async Task TwoStoresOverOneRedisShareTheCount()
    {
        var key = $"contract:{Guid.NewGuid():N}";
        Assert.True((await Store.TryAcquireAsync(key, 2, Window, CancellationToken.None)).Acquired);

        var other = NewStore(redis);
        Assert.Equal((true, 2L), Pair(await other.TryAcquireAsync(key, 2, Window, CancellationToken.None)));
        Assert.Equal((false, 2L), Pair(await Store.TryAcquireAsync(key, 2, Window, CancellationToken.None)));
    }

    [Fact]
    public async Task TheCountIsAHashTaggedKeyThatExpiresWithTheWindow()
    {
        var key = $"contract:{Guid.NewGuid():N}";
        await Store.TryAcquireAsync(key, 5, Window, CancellationToken.None);

        var database = redis.Multiplexer.GetDatabase();
        Assert.Equal(1, (long)await database.StringGetAsync($"rate:{{{key}}}"));
        Assert.InRange(await database.KeyTimeToLiveAsync($"rate:{{{key}}}") ?? TimeSpan.Zero, TimeSpan.FromTicks(1), Window);
    }

    private static (bool, long) Pair(RateLimitCount count) => (count.Acquired, count.Count);

    private static RedisRateLimitStore NewStore(RedisFixture redis) =>
        new(redis.Multiplexer, TimeProvider.System, NullLogger<RedisRateLimitStore>.Instance);
}

public sealed class RedisNodeRateLimitStoreTests(RedisNodeFixture redis) : RedisRateLimitStoreTests(redis), IClassFixture<RedisNodeFixture>;

public sealed class RedisClusterRateLimitStoreTests(RedisClusterFixture redis) : RedisRateLimitStoreTests(redis), IClassFixture<RedisClusterFixture>;
