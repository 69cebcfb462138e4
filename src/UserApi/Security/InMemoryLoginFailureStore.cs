using System.Collections.Concurrent;

using UserApi.Infrastructure;

namespace UserApi.Security;

public sealed class InMemoryLoginFailureStore(TimeProvider time) : ILoginFailureStore
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly IntervalGate _sweep = new(TimeSpan.FromMinutes(1));

    public Task<LoginFailures> GetAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(_entries.TryGetValue(key, out var entry) && entry.ExpiresAt > time.GetUtcNow() ? entry.Failures : default);

    public Task<LoginFailures> RecordAsync(string key, DateTimeOffset now, TimeSpan window, CancellationToken cancellationToken)
    {
        Sweep(now);
        var entry = _entries.AddOrUpdate(key,
            _ => new Entry(new LoginFailures(1, now), now + window),
            (_, existing) => existing.ExpiresAt > now
                ? new Entry(new LoginFailures(existing.Failures.Count + 1, now), now + window)
                : new Entry(new LoginFailures(1, now), now + window));
        return Task.FromResult(entry.Failures);
    }

    public Task ResetAsync(string key, CancellationToken cancellationToken)
    {
        _entries.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    private void Sweep(DateTimeOffset now)
    {
        if (!_sweep.TryEnter(now))
        {
            return;
        }
        foreach (var (key, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
            {
                _entries.TryRemove(KeyValuePair.Create(key, entry));
            }
        }
    }

    private sealed record Entry(LoginFailures Failures, DateTimeOffset ExpiresAt);
}
