using UserApi.Infrastructure;

namespace UserApi.Security;

public sealed class InMemoryLoginFailureStore(TimeProvider time) : ILoginFailureStore
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly IntervalGate _sweep = new(TimeSpan.FromMinutes(1));

    public Task<LoginFailures> GetAsync(string key, CancellationToken cancellationToken)
    {
        lock (_entries)
        {
            return Task.FromResult(Live(key, time.GetUtcNow()));
        }
    }

    public Task<Reservation> TryReserveAsync(string key, LockPolicy policy, DateTimeOffset now, TimeSpan window, CancellationToken cancellationToken)
    {
        lock (_entries)
        {
            _sweep.Sweep(_entries, now, static (entry, now) => entry.ExpiresAt <= now);
            var failures = Live(key, now);
            // Below the limit nothing is locked, whatever the times: a parallel attempt may carry a later clock reading.
            if (failures.Count >= policy.Limit && now < failures.LastAttemptAt + policy.LockAfter(failures.Count))
            {
                return Task.FromResult(new Reservation(false, failures));
            }
            var counted = new LoginFailures(failures.Count + 1, now);
            _entries[key] = new Entry(counted, now + window);
            return Task.FromResult(new Reservation(true, counted, failures.LastAttemptAt));
        }
    }

    public Task ReleaseAsync(string key, Reservation reservation, CancellationToken cancellationToken)
    {
        lock (_entries)
        {
            if (_entries.TryGetValue(key, out var entry))
            {
                if (entry.Failures.Count <= 1)
                {
                    _entries.Remove(key);
                }
                else
                {
                    var last = entry.Failures.LastAttemptAt == reservation.Failures.LastAttemptAt ? reservation.PreviousAttemptAt : entry.Failures.LastAttemptAt;
                    _entries[key] = entry with { Failures = new LoginFailures(entry.Failures.Count - 1, last) };
                }
            }
            return Task.CompletedTask;
        }
    }

    public Task ResetAsync(string key, CancellationToken cancellationToken)
    {
        lock (_entries)
        {
            _entries.Remove(key);
            return Task.CompletedTask;
        }
    }

    private LoginFailures Live(string key, DateTimeOffset now) =>
        _entries.TryGetValue(key, out var entry) && entry.ExpiresAt > now ? entry.Failures : default;

    private sealed record Entry(LoginFailures Failures, DateTimeOffset ExpiresAt);
}
