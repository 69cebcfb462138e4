using Microsoft.Extensions.Options;
using UserApi.Configuration;
using UserApi.Diagnostics;

namespace UserApi.Sessions;

/// <summary>
/// Ends sessions: deletes them from the store, rejects their access tokens here at once, and tells the
/// other instances. A session id is marked revoked even when the store no longer had it, so a refresh
/// racing the revocation cannot leave a usable access token behind.
/// </summary>
public sealed class SessionRevoker(ISessionStore sessions, RevocationList revocations, IRevocationFeed feed, IOptions<AuthOptions> options, TimeProvider time, UserApiMetrics metrics)
{
    public async Task RevokeAsync(long userId, string sessionId, CancellationToken cancellationToken)
    {
        await sessions.RevokeAsync(userId, sessionId, cancellationToken);
        await MarkRevokedAsync([sessionId], cancellationToken);
    }

    public async Task<IReadOnlyList<string>> RevokeAllAsync(long userId, string? exceptSessionId, CancellationToken cancellationToken)
    {
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
