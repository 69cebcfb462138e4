namespace UserApi.Sessions;

/// <summary>
/// Where sessions live: in process in embedded mode, in Redis in production. Every method is one atomic
/// step, so concurrent refreshes, logouts and logins of one user cannot interleave halfway.
/// </summary>
public interface ISessionStore
{
    /// <summary>Stores a new session; when the user then has more than <paramref name="maxSessions"/>, the oldest are deleted and returned.</summary>
    Task<IReadOnlyList<string>> CreateAsync(Session session, int maxSessions, CancellationToken cancellationToken);

    Task<Session?> FindAsync(long userId, string sessionId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The user's live sessions, newest first.</summary>
    Task<IReadOnlyList<Session>> ListAsync(long userId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Presents a refresh token: the current one is replaced by <paramref name="nextJti"/>; the previous one
    /// within the reuse interval yields the session unchanged; any other deletes the session (reuse).
    /// </summary>
    Task<RotationResult> RotateAsync(long userId, string sessionId, string presentedJti, string nextJti, DateTimeOffset now, RotationPolicy policy, CancellationToken cancellationToken);

    /// <summary>Deletes the session; false when there was none.</summary>
    Task<bool> RevokeAsync(long userId, string sessionId, CancellationToken cancellationToken);

    /// <summary>Deletes every session of the user but <paramref name="exceptSessionId"/>; returns the ids deleted.</summary>
    Task<IReadOnlyList<string>> RevokeAllAsync(long userId, string? exceptSessionId, CancellationToken cancellationToken);
}
