using System.Collections.Concurrent;

namespace UserApi.Sessions;

/// <summary>The embedded-mode session store: one process, so a dictionary and compare-and-swap suffice.</summary>
public sealed class InMemorySessionStore(TimeProvider time) : ISessionStore
{
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    public Task CreateAsync(Session session, CancellationToken cancellationToken)
    {
        RemoveExpired();
        if (!_sessions.TryAdd(session.Id, session))
        {
            throw new InvalidOperationException("A session id was generated twice.");
        }
        return Task.CompletedTask;
    }

    public Task<Session?> FindAsync(long userId, string sessionId, CancellationToken cancellationToken) =>
        Task.FromResult(Live(userId, sessionId));

    public Task<RotationResult> RotateAsync(long userId, string sessionId, string presentedJti, string nextJti, DateTimeOffset now, CancellationToken cancellationToken)
    {
        while (true)
        {
            var session = Live(userId, sessionId);
            if (session is null)
            {
                return Task.FromResult(new RotationResult(RotationStatus.NotFound, null));
            }
            if (session.RefreshJti != presentedJti)
            {
                // Only the current token may be used; any earlier one means the family leaked.
                _sessions.TryRemove(KeyValuePair.Create(sessionId, session));
                return Task.FromResult(new RotationResult(RotationStatus.Reused, session));
            }

            var rotated = session with { RefreshJti = nextJti, PreviousRefreshJti = presentedJti, RotatedAt = now, LastUsedAt = now };
            if (_sessions.TryUpdate(sessionId, rotated, session))
            {
                return Task.FromResult(new RotationResult(RotationStatus.Rotated, rotated));
            }
        }
    }

    public Task<bool> RevokeAsync(long userId, string sessionId, CancellationToken cancellationToken) =>
        Task.FromResult(_sessions.TryGetValue(sessionId, out var session) && session.UserId == userId
            && _sessions.TryRemove(KeyValuePair.Create(sessionId, session)));

    private Session? Live(long userId, string sessionId) =>
        _sessions.TryGetValue(sessionId, out var session) && session.UserId == userId && session.ExpiresAt > time.GetUtcNow()
            ? session
            : null;

    private void RemoveExpired()
    {
        var now = time.GetUtcNow();
        foreach (var (id, session) in _sessions)
        {
            if (session.ExpiresAt <= now)
            {
                _sessions.TryRemove(KeyValuePair.Create(id, session));
            }
        }
    }
}
