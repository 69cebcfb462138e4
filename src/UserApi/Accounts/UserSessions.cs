using UserApi.Audit;
using UserApi.Sessions;

namespace UserApi.Accounts;

/// <summary>A user's view of their sessions: list them, end one of their own, log out here or everywhere.</summary>
public sealed class UserSessions(ISessionStore sessions, RevocationList revocations, SessionRevoker revoker, IAuditLog audit, TimeProvider time)
{
    /// <summary>Ends the caller's session; idempotent (a repeated call, or one racing a refresh, still ends it).</summary>
    public async Task LogoutAsync(long userId, string sessionId, CancellationToken cancellationToken)
    {
        await revoker.RevokeAsync(userId, sessionId, cancellationToken);
        audit.Record(new AuditEvent(AuditEventTypes.Logout, AuditEvent.Ok, userId, userId, sessionId));
    }

    /// <summary>Ends every session of the caller, the current one included.</summary>
    public async Task LogoutEverywhereAsync(long userId, string sessionId, CancellationToken cancellationToken)
    {
        await revoker.RevokeAllAsync(userId, null, cancellationToken);
        audit.Record(new AuditEvent(AuditEventTypes.LogoutAll, AuditEvent.Ok, userId, userId, sessionId));
    }

    public Task<Session[]> ListAsync(long userId, CancellationToken cancellationToken) =>
        sessions.ListLiveAsync(revocations, userId, time.GetUtcNow(), cancellationToken);

    /// <summary>Ends one of the user's own sessions; another user's session id is simply not found.</summary>
    public async Task<Result<string>> EndAsync(long userId, string sessionId, CancellationToken cancellationToken)
    {
        if (await sessions.FindAsync(userId, sessionId, time.GetUtcNow(), cancellationToken) is null)
        {
            return Failure.SessionNotFound;
        }
        await revoker.RevokeAsync(userId, sessionId, cancellationToken);
        audit.Record(new AuditEvent(AuditEventTypes.SessionEnded, AuditEvent.Ok, userId, userId, sessionId));
        return sessionId;
    }
}
