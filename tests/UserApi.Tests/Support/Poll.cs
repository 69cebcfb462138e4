namespace UserApi.Tests.Support;

/// <summary>Waiting, without a fixed sleep, for what another instance or process learns asynchronously.</summary>
public static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    /// <summary>Repeats <paramref name="action"/> until its result satisfies <paramref name="done"/>; returns that result.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> action, Func<T, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var result = await action();
            if (done(result) || DateTime.UtcNow >= deadline)
            {
                return result;
            }
            await Task.Delay(Interval);
        }
    }

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout) =>
        Assert.True(await UntilAsync(condition, done => done, timeout), $"The condition did not become true within {timeout.TotalSeconds} s.");
}
