namespace UserApi.Sessions;

/// <summary>Where sessions live: in process in embedded mode, in Redis in production.</summary>
public interface ISessionStore
{
    Task CreateAsync(Session session, CancellationToken cancellationToken);

    Task<Session?> FindAsync(long userId, string sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// One atomic step: when <paramref name="presentedJti"/> is the session's current refresh token it is
    /// replaced by <paramref name="nextJti"/>; when it is an older one the session is deleted (reuse).
    /// </summary>
    Task<RotationResult> RotateAsync(long userId, string sessionId, string presentedJti, string nextJti, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes the session; false when there was none.</summary>
    Task<bool> RevokeAsync(long userId, string sessionId, CancellationToken cancellationToken);
}
