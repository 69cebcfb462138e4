using UserApi.Sessions;

namespace UserApi.Accounts;

/// <summary>A user's view of their sessions: list them, end one, end this one, end them all.</summary>
public sealed class SessionService(ISessionStore sessions, SessionRevoker revoker, TimeProvider time)
{
    public Task<IReadOnlyList<Session>> ListAsync(long userId, CancellationToken cancellationToken) =>
        sessions.ListAsync(userId, time.GetUtcNow(), cancellationToken);

    /// <summary>Ends one of the user's own sessions; another user's session id is simply not found.</summary>
    public async Task<Result<string>> EndAsync(long userId, string sessionId, CancellationToken cancellationToken)
    {
        if (await sessions.FindAsync(userId, sessionId, time.GetUtcNow(), cancellationToken) is null)
        {
            return AccountError.SessionNotFound;
        }
        await revoker.RevokeAsync(userId, sessionId, cancellationToken);
        return sessionId;
    }

    /// <summary>Logout: idempotent, so a repeated call (or one racing a refresh) still ends the session.</summary>
    public Task LogoutAsync(long userId, string sessionId, CancellationToken cancellationToken) =>
        revoker.RevokeAsync(userId, sessionId, cancellationToken);

    public Task<IReadOnlyList<string>> LogoutAllAsync(long userId, CancellationToken cancellationToken) =>
        revoker.RevokeAllAsync(userId, null, cancellationToken);
}
