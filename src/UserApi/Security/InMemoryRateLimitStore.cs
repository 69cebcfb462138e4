using UserApi.Infrastructure;

namespace UserApi.Security;

public sealed class InMemoryRateLimitStore(TimeProvider time) : IRateLimitStore
{
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly IntervalGate _sweep = new(TimeSpan.FromMinutes(1));

    public ValueTask<RateLimitCount> TryAcquireAsync(string key, int limit, TimeSpan window, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        lock (_windows)
        {
            _sweep.Sweep(_windows, now, static (window, now) => window.EndsAt <= now);
            if (!_windows.TryGetValue(key, out var current) || current.EndsAt <= now)
            {
                current = new Window(0, now + window);
            }
            var acquired = current.Count < limit;
            if (acquired)
            {
                current = current with { Count = current.Count + 1 };
                _windows[key] = current;
            }
            return ValueTask.FromResult(new RateLimitCount(acquired, current.Count, current.EndsAt - now));
        }
    }

    private readonly record struct Window(long Count, DateTimeOffset EndsAt);
}
