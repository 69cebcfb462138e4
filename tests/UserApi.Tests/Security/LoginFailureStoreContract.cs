using Microsoft.Extensions.Time.Testing;
using UserApi.Security;
using UserApi.Tests.Support;

namespace UserApi.Tests.Security;

/// <summary>
/// The rules of <see cref="ILoginFailureStore"/>, written once and run on every implementation: a count per
/// key with the time of the last attempt, reservations refused while locked (and exactly the limit of them
/// among parallel ones), release, reset, and a window that starts again with every attempt.
/// </summary>
public abstract class LoginFailureStoreContract
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>A limit no test reaches: the counting rules alone.</summary>
    private static readonly LockPolicy Unlimited = new(int.MaxValue, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(15));

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
        Assert.Equal(new LoginFailures(1, first), await RecordAsync(key, first, TimeSpan.FromMinutes(15)));
        Assert.Equal(new LoginFailures(1, first), await Store.GetAsync(key, None));

        var second = first + TimeSpan.FromMilliseconds(1_234);
        Assert.Equal(new LoginFailures(2, second), await RecordAsync(key, second, TimeSpan.FromMinutes(15)));
        Assert.Equal(new LoginFailures(2, second), await Store.GetAsync(key, None));
    }

    [Fact]
    public async Task EachKeyIsCountedOnItsOwn()
    {
        var (account, ip) = ($"a:{NewKey()}", $"ip:{NewKey()}");
        await RecordAsync(account, Now, TimeSpan.FromMinutes(15));
        await RecordAsync(account, Now, TimeSpan.FromMinutes(15));
        await RecordAsync(ip, Now, TimeSpan.FromMinutes(15));

        Assert.Equal(2, (await Store.GetAsync(account, None)).Count);
        Assert.Equal(1, (await Store.GetAsync(ip, None)).Count);
    }

    [Fact]
    public async Task AResetForgetsTheCountAndTheNextFailureCountsFromOne()
    {
        var key = NewKey();
        await RecordAsync(key, Now, TimeSpan.FromMinutes(15));
        await RecordAsync(key, Now, TimeSpan.FromMinutes(15));

        await Store.ResetAsync(key, None);
        await Store.ResetAsync(NewKey(), None);

        Assert.Equal(default, await Store.GetAsync(key, None));
        Assert.Equal(1, (await RecordAsync(key, Now, TimeSpan.FromMinutes(15))).Count);
    }

    [Fact]
    public async Task ACountLastsAWindowFromTheLastFailureThenStartsOverAtOne()
    {
        var key = NewKey();
        await RecordAsync(key, Now, Window);
        await ElapseAsync(Window * 0.6);
        await RecordAsync(key, Now, Window);
        await ElapseAsync(Window * 0.6);

        // Longer than the window since the first failure, shorter since the last: still counted.
        Assert.Equal(2, (await Store.GetAsync(key, None)).Count);

        await ElapseAsync(Window * 0.4);
        var forgotten = await Poll.UntilAsync(() => Store.GetAsync(key, None), f => f.Count == 0, Window + TimeSpan.FromSeconds(5));
        Assert.Equal(default, forgotten);
        Assert.Equal(1, (await RecordAsync(key, Now, Window)).Count);
    }

    [Fact]
    public async Task ParallelFailuresAreEachCountedOnce()
    {
        var key = NewKey();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failures = Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            return await RecordAsync(key, Now, TimeSpan.FromMinutes(15));
        })).ToList();
        start.SetResult();

        var counts = (await Task.WhenAll(failures)).Select(f => f.Count).Order();

        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), counts);
        Assert.Equal(50, (await Store.GetAsync(key, None)).Count);
    }

    [Fact]
    public async Task AttemptsPastTheLimitAreRefusedUntilTheLockEndsAndEachFurtherOneDoublesIt()
    {
        var key = NewKey();
        var policy = new LockPolicy(Limit: 2, FirstLock: FirstLock, MaxLock: Window);
        Assert.True((await Store.TryReserveAsync(key, policy, Now, Window, None)).Reserved);
        var second = Now;
        var reserved = await Store.TryReserveAsync(key, policy, second, Window, None);
        Assert.Equal((true, new LoginFailures(2, second)), (reserved.Reserved, reserved.Failures));

        var refused = await Store.TryReserveAsync(key, policy, Now, Window, None);
        Assert.Equal((false, new LoginFailures(2, second)), (refused.Reserved, refused.Failures));

        await ElapseAsync(FirstLock * 1.05);
        var third = await Store.TryReserveAsync(key, policy, Now, Window, None);
        Assert.Equal((true, 3L), (third.Reserved, third.Failures.Count));

        // Three attempts against a limit of two: twice the first lock.
        await ElapseAsync(FirstLock * 1.05);
        Assert.False((await Store.TryReserveAsync(key, policy, Now, Window, None)).Reserved);
        await ElapseAsync(FirstLock);
        Assert.True((await Store.TryReserveAsync(key, policy, Now, Window, None)).Reserved);
    }

    [Fact]
    public async Task BelowTheLimitAnAttemptStampedBeforeTheLastIsStillReserved()
    {
        // Parallel attempts read the clock before they reach the store: a later one may arrive first.
        var key = NewKey();
        var policy = new LockPolicy(Limit: 5, FirstLock: TimeSpan.FromMinutes(1), MaxLock: TimeSpan.FromMinutes(1));
        var now = Now;
        Assert.True((await Store.TryReserveAsync(key, policy, now + TimeSpan.FromMilliseconds(5), TimeSpan.FromMinutes(15), None)).Reserved);

        Assert.True((await Store.TryReserveAsync(key, policy, now, TimeSpan.FromMinutes(15), None)).Reserved);
    }

    [Fact]
    public async Task OfParallelAttemptsExactlyTheLimitAreReserved()
    {
        var key = NewKey();
        var policy = new LockPolicy(Limit: 5, FirstLock: TimeSpan.FromMinutes(1), MaxLock: TimeSpan.FromMinutes(1));
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var attempts = Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            return await Store.TryReserveAsync(key, policy, Now, TimeSpan.FromMinutes(15), None);
        })).ToList();
        start.SetResult();

        var results = await Task.WhenAll(attempts);

        Assert.Equal(5, results.Count(r => r.Reserved));
        Assert.Equal(Enumerable.Range(1, 5).Select(i => (long)i), results.Where(r => r.Reserved).Select(r => r.Failures.Count).Order());
        Assert.Equal(5, (await Store.GetAsync(key, None)).Count);
    }

    [Fact]
    public async Task AReleaseTakesOneAttemptBackAndTheLastOneForgetsTheKey()
    {
        var key = NewKey();
        var first = await Store.TryReserveAsync(key, Unlimited, Now, TimeSpan.FromMinutes(15), None);
        var second = await Store.TryReserveAsync(key, Unlimited, Now, TimeSpan.FromMinutes(15), None);

        await Store.ReleaseAsync(key, second, None);
        Assert.Equal(first.Failures, await Store.GetAsync(key, None));

        await Store.ReleaseAsync(key, first, None);
        await Store.ReleaseAsync(key, first, None);
        await Store.ReleaseAsync(NewKey(), first, None);
        Assert.Equal(default, await Store.GetAsync(key, None));
    }

    [Fact]
    public async Task AnAttemptTakenBackDoesNotStartTheLockAgain()
    {
        // At the limit with its lock run out, an attempt that is then taken back (a proven password, or one the
        // IP's lock refused) must leave the key as it was, not locked again from the attempt's time.
        var key = NewKey();
        var policy = new LockPolicy(Limit: 2, FirstLock: FirstLock, MaxLock: Window);
        await Store.TryReserveAsync(key, policy, Now, Window, None);
        var last = await Store.TryReserveAsync(key, policy, Now, Window, None);
        await ElapseAsync(FirstLock * 1.05);

        var takenBack = await Store.TryReserveAsync(key, policy, Now, Window, None);
        Assert.True(takenBack.Reserved);
        await Store.ReleaseAsync(key, takenBack, None);

        Assert.Equal(last.Failures, await Store.GetAsync(key, None));
        Assert.True((await Store.TryReserveAsync(key, policy, Now, Window, None)).Reserved);
    }

    /// <summary>The first lock of the lock tests: short, as the Redis window is real time.</summary>
    private static readonly TimeSpan FirstLock = TimeSpan.FromSeconds(1);

    private async Task<LoginFailures> RecordAsync(string key, DateTimeOffset now, TimeSpan window) =>
        (await Store.TryReserveAsync(key, Unlimited, now, window, None)).Failures;

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

    // The "still counted" check runs 0.6 windows after the last failure: 3.2 s of margin for 2 cores shared with other test runs.
    protected override TimeSpan Window => TimeSpan.FromSeconds(8);

    protected override Task ElapseAsync(TimeSpan span) => Task.Delay(span);
}

public sealed class RedisNodeLoginFailureStoreTests(RedisNodeFixture redis) : RedisLoginFailureStoreTests(redis), IClassFixture<RedisNodeFixture>;

public sealed class RedisClusterLoginFailureStoreTests(RedisClusterFixture redis) : RedisLoginFailureStoreTests(redis), IClassFixture<RedisClusterFixture>;
