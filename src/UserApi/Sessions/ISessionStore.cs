namespace UserApi.Sessions;

/// <summary>
/// Where sessions live: in process in embedded mode, in Redis in production. Every method is one atomic
/// step, so concurrent refreshes, logouts and logins of one user cannot interleave halfway. A step that ends
/// sessions (eviction, reuse, revocation) records them revoked in that same step where the store is shared
/// (<see cref="EndedSessions.RevokedUntil"/>), so no failure between two steps can leave an ended session
/// whose access tokens other instances never refuse.
/// </summary>
public interface ISessionStore
{
    /// <summary>Stores a new session; when the user then has more than <paramref name="maxSessions"/>, the oldest are ended and returned.</summary>
    Task<EndedSessions> CreateAsync(Session session, int maxSessions, CancellationToken cancellationToken);

    Task<Session?> FindAsync(long userId, string sessionId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The user's live sessions, newest first.</summary>
    Task<IReadOnlyList<Session>> ListAsync(long userId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Presents a refresh token: the current one is replaced by <paramref name="nextJti"/>; the previous one
    /// within the reuse interval yields the session unchanged; any other ends the session (reuse).
    /// <paramref name="now"/> is the caller's clock, which only a store without a clock of its own reads: the
    /// Redis store compares times on Redis's clock, so instances whose clocks differ still agree.
    /// </summary>
    Task<RotationResult> RotateAsync(long userId, string sessionId, string presentedJti, string nextJti, DateTimeOffset now, RotationPolicy policy, CancellationToken cancellationToken);

    /// <summary>
    /// Ends the session; <see cref="EndedSessions.Ids"/> is empty when there was none, yet the id is recorded
    /// revoked either way, so a refresh racing the revocation cannot leave a usable access token behind.
    /// </summary>
    Task<EndedSessions> RevokeAsync(long userId, string sessionId, CancellationToken cancellationToken);

    /// <summary>Ends every session of the user but <paramref name="exceptSessionId"/>; returns the ids ended.</summary>
    Task<EndedSessions> RevokeAllAsync(long userId, string? exceptSessionId, CancellationToken cancellationToken);
}
