using Microsoft.Extensions.Time.Testing;
using UserApi.Passwords;

namespace UserApi.Tests.Passwords;

/// <summary>
/// Admission to the hashing workers: a request is refused when the wait it would face exceeds the limit. The
/// hashes here are "slow" by moving a fake clock while they run, so the queue times them without real waiting.
/// </summary>
public sealed class HashingQueueTests
{
    private readonly FakeTimeProvider _time = new();

    /// <summary>One hash that takes <paramref name="duration"/> on the fake clock.</summary>
    private Task<int> SlowHashAsync(HashingQueue queue, TimeSpan duration) =>
        queue.RunAsync(() =>
        {
            _time.Advance(duration);
            return 0;
        }, CancellationToken.None);

    [Fact]
    public async Task ARequestIsRefusedWhenTheQueueAheadWouldTakeLongerThanTheLimit()
    {
        var queue = new HashingQueue(TimeSpan.FromSeconds(2.5), _time, workers: 1);
        await SlowHashAsync(queue, TimeSpan.FromSeconds(1));

        // One worker at 1 s a hash: the first request starts at once, the second waits 1 s, the third 2 s.
        using var running = queue.Admit();
        using var second = queue.Admit();
        using var third = queue.Admit();
        using var fourth = queue.Admit();

        Assert.True(running.Admitted && second.Admitted && third.Admitted);
        Assert.False(fourth.Admitted);
        Assert.Equal(TimeSpan.FromSeconds(3), fourth.ExpectedWait);
        Assert.Equal(3, queue.Length);
    }

    [Fact]
    public async Task TheWaitIsSpreadOverTheWorkers()
    {
        var queue = new HashingQueue(TimeSpan.FromSeconds(1.2), _time, workers: 2);
        await SlowHashAsync(queue, TimeSpan.FromSeconds(1));

        // Two workers at 1 s a hash: two start at once, the next two wait 0.5 s and 1 s, the fifth 1.5 s.
        var admissions = Enumerable.Range(0, 5).Select(_ => queue.Admit()).ToList();

        Assert.Equal([true, true, true, true, false], admissions.Select(a => a.Admitted));
        Assert.Equal(TimeSpan.FromSeconds(1.5), admissions[4].ExpectedWait);
        admissions.ForEach(a => a.Dispose());
    }

    [Fact]
    public void AZeroLimitRefusesWheneverEveryWorkerIsTakenEvenBeforeAHashIsTimed()
    {
        var queue = new HashingQueue(TimeSpan.Zero, _time, workers: 2);

        using var first = queue.Admit();
        using var second = queue.Admit();

        Assert.True(first.Admitted && second.Admitted);
        Assert.False(queue.Admit().Admitted);
    }

    [Fact]
    public async Task ARequestDoneHashingMakesRoomForTheNext()
    {
        var queue = new HashingQueue(TimeSpan.Zero, _time, workers: 1);
        await SlowHashAsync(queue, TimeSpan.FromSeconds(1));
        var first = queue.Admit();
        Assert.False(queue.Admit().Admitted);

        first.Dispose();
        first.Dispose();

        Assert.Equal(0, queue.Length);
        using var next = queue.Admit();
        Assert.True(next.Admitted);
        Assert.False(queue.Admit().Admitted);
    }

    [Fact]
    public async Task TheExpectedWaitFollowsTheMeasuredHashTime()
    {
        var queue = new HashingQueue(TimeSpan.FromSeconds(10), _time, workers: 1);
        await SlowHashAsync(queue, TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(1), queue.MeanHashTime);

        for (var i = 0; i < 100; i++)
        {
            await SlowHashAsync(queue, TimeSpan.FromSeconds(3));
        }

        Assert.InRange(queue.MeanHashTime, TimeSpan.FromSeconds(2.99), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task AdmittedWorkCompletesWhateverArrivesAfterIt()
    {
        var queue = new HashingQueue(TimeSpan.Zero, _time, workers: 1);
        using var admitted = queue.Admit();
        var release = new TaskCompletionSource();
        var hashing = Task.Run(() => queue.RunAsync(() =>
        {
            release.Task.Wait();
            return 42;
        }, CancellationToken.None));

        Assert.False(queue.Admit().Admitted);
        release.SetResult();

        Assert.Equal(42, await hashing);
    }
}
