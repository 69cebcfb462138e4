namespace UserApi.Infrastructure;

/// <summary>
/// Lets one caller through per interval, without a lock: the in-process stores use it to sweep expired
/// entries on an ordinary call, at most once a minute, instead of running a timer of their own.
/// </summary>
public sealed class IntervalGate(TimeSpan interval)
{
    private long _nextTicks;

    public bool TryEnter(DateTimeOffset now)
    {
        var next = Interlocked.Read(ref _nextTicks);
        return now.UtcTicks >= next && Interlocked.CompareExchange(ref _nextTicks, (now + interval).UtcTicks, next) == next;
    }

    /// <summary>At most once per interval, removes the entries that <paramref name="expired"/> says are over at <paramref name="now"/>.</summary>
    public void Sweep<TKey, TValue>(Dictionary<TKey, TValue> entries, DateTimeOffset now, Func<TValue, DateTimeOffset, bool> expired)
        where TKey : notnull
    {
        if (!TryEnter(now))
        {
            return;
        }
        foreach (var (key, value) in entries)
        {
            if (expired(value, now))
            {
                entries.Remove(key);
            }
        }
    }
}
