using UserApi.Sessions;

namespace UserApi.Accounts;

/// <summary>A user's view of their sessions: list them, end one of their own.</summary>
public sealed class UserSessions(ISessionStore sessions, SessionRevoker revoker, TimeProvider time)
{
    public Task<IReadOnlyList<Session>> ListAsync(long userId, CancellationToken cancellationToken) =>
        sessions.ListAsync(userId, time.GetUtcNow(), cancellationToken);

    /// <summary>Ends one of the user's own sessions; another user's session id is simply not found.</summary>
    public async Task<Result<string>> EndAsync(long userId, string sessionId, CancellationToken cancellationToken)
    {
        if (await sessions.FindAsync(userId, sessionId, time.GetUtcNow(), cancellationToken) is null)
        {
            return Failure.SessionNotFound;
        }
        await revoker.RevokeAsync(userId, sessionId, cancellationToken);
        return sessionId;
    }
}
