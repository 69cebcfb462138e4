using System.Collections.Concurrent;
using UserApi.Infrastructure;

namespace UserApi.Mfa;

/// <summary>The embedded-mode challenges: one process, so a dictionary's atomic removal is the single use.</summary>
public sealed class InMemoryMfaChallengeStore(TimeProvider time) : IMfaChallengeStore
{
    private readonly ConcurrentDictionary<string, MfaChallenge> _challenges = new(StringComparer.Ordinal);
    private readonly IntervalGate _sweep = new(TimeSpan.FromMinutes(1));

    public Task AddAsync(string tokenHash, MfaChallenge challenge, CancellationToken cancellationToken)
    {
        SweepExpired(time.GetUtcNow());
        _challenges[tokenHash] = challenge;
        return Task.CompletedTask;
    }

    public Task<MfaChallenge?> FindAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult(_challenges.TryGetValue(tokenHash, out var challenge) && challenge.ExpiresAt > now ? challenge : null);

    public Task<bool> ConsumeAsync(string tokenHash, CancellationToken cancellationToken) =>
        Task.FromResult(_challenges.TryRemove(tokenHash, out _));

    // Challenges never completed would otherwise stay in memory for good.
    private void SweepExpired(DateTimeOffset now)
    {
        if (!_sweep.TryEnter(now))
        {
            return;
        }
        foreach (var (hash, challenge) in _challenges)
        {
            if (challenge.ExpiresAt <= now)
            {
                _challenges.TryRemove(hash, out _);
            }
        }
    }
}
