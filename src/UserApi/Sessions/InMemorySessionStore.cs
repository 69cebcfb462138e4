using System.Collections.Concurrent;

using UserApi.Infrastructure;

namespace UserApi.Sessions;

/// <summary>The embedded-mode session store: one process, so a lock per user makes every step atomic.</summary>
public sealed class InMemorySessionStore : ISessionStore
{
    private readonly ConcurrentDictionary<long, Dictionary<string, Session>> _users = new();
    private readonly IntervalGate _sweep = new(TimeSpan.FromMinutes(1));

    public Task<EndedSessions> CreateAsync(Session session, int maxSessions, CancellationToken cancellationToken)
    {
        session = session.AsStored();
        SweepExpired(session.CreatedAt);
        var sessions = _users.GetOrAdd(session.UserId, _ => []);
        lock (sessions)
        {
            RemoveExpired(sessions, session.CreatedAt);
            sessions.Add(session.Id, session);
            var evicted = sessions.Values.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id, StringComparer.Ordinal)
                .Take(Math.Max(0, sessions.Count - maxSessions)).Select(s => s.Id).ToList();
            evicted.ForEach(id => sessions.Remove(id));
            return Task.FromResult(evicted.Count == 0 ? EndedSessions.None : new EndedSessions(evicted, null));
        }
    }

    public Task<Session?> FindAsync(long userId, string sessionId, DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult(WithUser(userId, sessions => sessions.TryGetValue(sessionId, out var s) && s.ExpiresAt > now ? s : null));

    public Task<IReadOnlyList<Session>> ListAsync(long userId, DateTimeOffset now, CancellationToken cancellationToken) =>
        Task.FromResult(WithUser<IReadOnlyList<Session>>(userId, sessions =>
            [.. sessions.Values.Where(s => s.ExpiresAt > now).OrderByDescending(s => s.CreatedAt)]) ?? []);

    public Task<RotationResult> RotateAsync(long userId, string sessionId, string presentedJti, string nextJti, DateTimeOffset now, RotationPolicy policy, CancellationToken cancellationToken)
    {
        now = Session.ToMillisecond(now);
        return Task.FromResult(WithUser(userId, sessions =>
        {
            if (!sessions.TryGetValue(sessionId, out var session) || session.ExpiresAt <= now)
            {
                return null;
            }
            if (policy.IdleTimeout > TimeSpan.Zero && now - session.LastUsedAt > policy.IdleTimeout)
            {
                sessions.Remove(sessionId);
                return null;
            }
            if (session.RefreshJti == presentedJti)
            {
                var rotated = session with { RefreshJti = nextJti, PreviousRefreshJti = presentedJti, LastUsedAt = now };
                sessions[sessionId] = rotated;
                return new RotationResult(RotationStatus.Rotated, rotated);
            }
            if (session.PreviousRefreshJti == presentedJti && now - session.LastUsedAt <= policy.ReuseInterval && policy.ReuseInterval > TimeSpan.Zero)
            {
                return new RotationResult(RotationStatus.Replayed, session);
            }
            sessions.Remove(sessionId);
            return new RotationResult(RotationStatus.Reused, session);
        }) ?? new RotationResult(RotationStatus.NotFound, null));
    }

    public Task<EndedSessions> RevokeAsync(long userId, string sessionId, CancellationToken cancellationToken) =>
        Task.FromResult(WithUser(userId, sessions => sessions.Remove(sessionId)) ? new EndedSessions([sessionId], null) : EndedSessions.None);

    public Task<EndedSessions> RevokeAllAsync(long userId, string? exceptSessionId, CancellationToken cancellationToken) =>
        Task.FromResult(WithUser(userId, sessions =>
        {
            var revoked = sessions.Keys.Where(id => id != exceptSessionId).ToList();
            revoked.ForEach(id => sessions.Remove(id));
            return new EndedSessions(revoked, null);
        }) ?? EndedSessions.None);

    private T? WithUser<T>(long userId, Func<Dictionary<string, Session>, T> action)
    {
        if (!_users.TryGetValue(userId, out var sessions))
        {
            return default;
        }
        lock (sessions)
        {
            return action(sessions);
        }
    }

    private static void RemoveExpired(Dictionary<string, Session> sessions, DateTimeOffset now)
    {
        foreach (var (id, session) in sessions)
        {
            if (session.ExpiresAt <= now)
            {
                sessions.Remove(id);
            }
        }
    }

    // Users who never come back would otherwise keep their expired sessions in memory for good.
    private void SweepExpired(DateTimeOffset now)
    {
        if (!_sweep.TryEnter(now))
        {
            return;
        }
        foreach (var (_, sessions) in _users)
        {
            lock (sessions)
            {
                RemoveExpired(sessions, now);
            }
        }
    }
}
