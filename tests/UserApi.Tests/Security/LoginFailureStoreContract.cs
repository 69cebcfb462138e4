using Microsoft.Extensions.Time.Testing;
using UserApi.Security;
using UserApi.Tests.Support;

namespace UserApi.Tests.Security;

/// <summary>
/// The rules of <see cref="ILoginFailureStore"/>, written once and run on every implementation: a count per
/// key with the time of the last failure, a reset, and a window that starts again with every failure.
/// </summary>
public abstract class LoginFailureStoreContract
{
    private static readonly CancellationToken None = CancellationToken.None;

    protected abstract ILoginFailureStore Store { get; }

    /// <summary>The time a failure is recorded at, whole milliseconds.</summary>
    protected abstract DateTimeOffset Now { get; }

    /// <summary>A window the store forgets within: the in-process store goes by its clock, Redis by its key expiry (real time).</summary>
    protected abstract TimeSpan Window { get; }

    /// <summary>Lets <paramref name="span"/> pass for the store.</summary>
    protected abstract Task ElapseAsync(TimeSpan span);

    [Fact]
    public async Task AKeyWithoutFailuresHasNone()
    {
        Assert.Equal(default, await Store.GetAsync(NewKey(), None));
    }

    [Fact]
    public async Task EachFailureIsCountedWithTheTimeOfTheLast()
    {
        var key = NewKey();
        var first = Now;
        Assert.Equal(new LoginFailures(1, first), await Store.RecordAsync(key, first, TimeSpan.FromMinutes(15), None));
        Assert.Equal(new LoginFailures(1, first), await Store.GetAsync(key, None));

        var second = first + TimeSpan.FromMilliseconds(1_234);
        Assert.Equal(new LoginFailures(2, second), await Store.RecordAsync(key, second, TimeSpan.FromMinutes(15), None));
        Assert.Equal(new LoginFailures(2, second), await Store.GetAsync(key, None));
    }

    [Fact]
    public async Task EachKeyIsCountedOnItsOwn()
    {
        var (account, ip) = ($"a:{NewKey()}", $"ip:{NewKey()}");
        await Store.RecordAsync(account, Now, TimeSpan.FromMinutes(15), None);
        await Store.RecordAsync(account, Now, TimeSpan.FromMinutes(15), None);
        await Store.RecordAsync(ip, Now, TimeSpan.FromMinutes(15), None);

        Assert.Equal(2, (await Store.GetAsync(account, None)).Count);
        Assert.Equal(1, (await Store.GetAsync(ip, None)).Count);
    }

    [Fact]
    public async Task AResetForgetsTheCountAndTheNextFailureCountsFromOne()
    {
        var key = NewKey();
        await Store.RecordAsync(key, Now, TimeSpan.FromMinutes(15), None);
        await Store.RecordAsync(key, Now, TimeSpan.FromMinutes(15), None);

        await Store.ResetAsync(key, None);
        await Store.ResetAsync(NewKey(), None);

        Assert.Equal(default, await Store.GetAsync(key, None));
        Assert.Equal(1, (await Store.RecordAsync(key, Now, TimeSpan.FromMinutes(15), None)).Count);
    }

    [Fact]
    public async Task ACountLastsAWindowFromTheLastFailureThenStartsOverAtOne()
    {
        var key = NewKey();
        await Store.RecordAsync(key, Now, Window, None);
        await ElapseAsync(Window * 0.6);
        await Store.RecordAsync(key, Now, Window, None);
        await ElapseAsync(Window * 0.6);

        // Longer than the window since the first failure, shorter since the last: still counted.
        Assert.Equal(2, (await Store.GetAsync(key, None)).Count);

        await ElapseAsync(Window * 0.4);
        var forgotten = await Poll.UntilAsync(() => Store.GetAsync(key, None), f => f.Count == 0, Window + TimeSpan.FromSeconds(5));
        Assert.Equal(default, forgotten);
        Assert.Equal(1, (await Store.RecordAsync(key, Now, Window, None)).Count);
    }

    [Fact]
    public async Task ParallelFailuresAreEachCountedOnce()
    {
        var key = NewKey();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failures = Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            return await Store.RecordAsync(key, Now, TimeSpan.FromMinutes(15), None);
        })).ToList();
        start.SetResult();

        var counts = (await Task.WhenAll(failures)).Select(f => f.Count).Order();

        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), counts);
        Assert.Equal(50, (await Store.GetAsync(key, None)).Count);
    }

    private static string NewKey() => $"contract-{Guid.NewGuid():N}";
}

/// <summary>The embedded mode's counters, on a clock the test moves.</summary>
public sealed class InProcessLoginFailureStoreTests : LoginFailureStoreContract
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));

    public InProcessLoginFailureStoreTests() => Store = new InMemoryLoginFailureStore(_time);

    protected override ILoginFailureStore Store { get; }

    protected override DateTimeOffset Now => _time.GetUtcNow();

    protected override TimeSpan Window => TimeSpan.FromMinutes(15);

    protected override Task ElapseAsync(TimeSpan span)
    {
        _time.Advance(span);
        return Task.CompletedTask;
    }
}

/// <summary>Counters in Redis: the window is a key expiry on Redis's clock, so it is short and real.</summary>
public abstract class RedisLoginFailureStoreTests(RedisFixture redis) : LoginFailureStoreContract
{
    protected override ILoginFailureStore Store { get; } = new RedisLoginFailureStore(redis.Multiplexer);

    protected override DateTimeOffset Now => DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    // The "still counted" check runs 0.6 windows after the last failure: 1.2 s of margin for a loaded machine.
    protected override TimeSpan Window => TimeSpan.FromSeconds(3);

    protected override Task ElapseAsync(TimeSpan span) => Task.Delay(span);
}

public sealed class RedisNodeLoginFailureStoreTests(RedisNodeFixture redis) : RedisLoginFailureStoreTests(redis), IClassFixture<RedisNodeFixture>;

public sealed class RedisClusterLoginFailureStoreTests(RedisClusterFixture redis) : RedisLoginFailureStoreTests(redis), IClassFixture<RedisClusterFixture>;
