using Microsoft.Extensions.Options;
using UserApi.Configuration;
using UserApi.Diagnostics;
using UserApi.Users;

namespace UserApi.Sessions;

/// <summary>
/// Ends sessions: deletes them from the store, rejects their access tokens here at once, and tells the
/// other instances. A session id is marked revoked even when the store no longer had it, so a refresh
/// racing the revocation cannot leave a usable access token behind.
/// </summary>
public sealed class SessionRevoker(
    ISessionStore sessions,
    IUserStore users,
    RevocationList revocations,
    IRevocationFeed feed,
    IOptions<AuthOptions> options,
    TimeProvider time,
    UserApiMetrics metrics)
{
    public async Task RevokeAsync(long userId, string sessionId, CancellationToken cancellationToken)
    {
        await sessions.RevokeAsync(userId, sessionId, cancellationToken);
        await MarkRevokedAsync([sessionId], cancellationToken);
    }

    /// <summary>
    /// Ends every session of the user but <paramref name="exceptSessionId"/>. The ending is written to the user's row
    /// first: a session store that loses the deletions (a Redis restarted empty, a failover that lost a write)
    /// cannot bring the sessions back, and a login that was hashing meanwhile finds it once it has stored its session.
    /// </summary>
    public async Task<IReadOnlyList<string>> RevokeAllAsync(long userId, string? exceptSessionId, CancellationToken cancellationToken)
    {
        await users.EndSessionsAsync(userId, time.GetUtcNow().UtcDateTime, exceptSessionId, cancellationToken);
        var revoked = await sessions.RevokeAllAsync(userId, exceptSessionId, cancellationToken);
        await MarkRevokedAsync(revoked, cancellationToken);
        return revoked;
    }

    /// <summary>For sessions the store already deleted (reuse, eviction): reject their access tokens everywhere.</summary>
    public async Task MarkRevokedAsync(IReadOnlyCollection<string> sessionIds, CancellationToken cancellationToken)
    {
        if (sessionIds.Count == 0)
        {
            return;
        }
        // An access token outlives its session by at most its own lifetime plus the tolerated skew.
        var until = time.GetUtcNow() + options.Value.AccessLifetime + TimeSpan.FromSeconds(options.Value.ClockSkew);
        foreach (var sessionId in sessionIds)
        {
            revocations.Add(sessionId, until);
        }
        metrics.SessionsRevoked.Add(sessionIds.Count);
        await feed.PublishAsync(sessionIds, until, cancellationToken);
    }
}
