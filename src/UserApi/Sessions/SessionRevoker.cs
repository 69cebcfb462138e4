using Microsoft.Extensions.Options;
using UserApi.Configuration;
using UserApi.Diagnostics;
using UserApi.Users;

namespace UserApi.Sessions;

/// <summary>
/// Ends sessions: the store ends them and, where it is shared, records and publishes their revocation in the
/// same atomic step (<see cref="EndedSessions"/>); this instance then refuses their access tokens at once,
/// without waiting for its own message. A session id is marked revoked even when the store no longer had
/// it, so a refresh racing the revocation cannot leave a usable access token behind.
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
        var ended = await sessions.RevokeAsync(userId, sessionId, cancellationToken);
        MarkRevoked(ended with { Ids = [sessionId] });
    }

    /// <summary>
    /// Ends every session of the user but <paramref name="exceptSessionId"/>. The ending is written to the user's row
    /// first: a session store that loses the deletions (a Redis restarted empty, a failover that lost a write)
    /// cannot bring the sessions back, and a login that was hashing meanwhile finds it once it has stored its session.
    /// </summary>
    public async Task<IReadOnlyList<string>> RevokeAllAsync(long userId, string? exceptSessionId, CancellationToken cancellationToken)
    {
        await users.EndSessionsAsync(userId, time.GetUtcNow().UtcDateTime, exceptSessionId, cancellationToken);
        var ended = await sessions.RevokeAllAsync(userId, exceptSessionId, cancellationToken);
        MarkRevoked(ended);
        return ended.Ids;
    }

    /// <summary>
    /// Ends every session of every user (an emergency switch), without visiting them: the time is written to the
    /// database first (it survives a Redis loss, and every instance reads it at start-up), then held here and sent
    /// to the other instances, which refuse older access tokens by their <c>iat</c> and older sessions at refresh.
    /// The time is rounded up to the whole second, because <c>iat</c> counts whole seconds: a token issued in the
    /// same second before the switch must not pass. A login in the rest of that second is refused too. The shared
    /// store may move the time later (its clock stamps refreshed tokens); the later time is then written too.
    /// </summary>
    public async Task<DateTimeOffset> RevokeEverySessionAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var at = DateTimeOffset.FromUnixTimeSeconds((now.ToUnixTimeMilliseconds() + 999) / 1000);
        await users.EndEverySessionAsync(at.UtcDateTime, cancellationToken);
        revocations.EndEverySession(at);
        var shared = await feed.PublishEverySessionEndedAsync(at);
        if (shared > at)
        {
            await users.EndEverySessionAsync(shared.UtcDateTime, cancellationToken);
            revocations.EndEverySession(shared);
        }
        return shared;
    }

    /// <summary>Holds the end of every session the database recorded (at start-up: another instance may have recorded it while this one was away).</summary>
    public async Task LoadEverySessionEndedAsync(CancellationToken cancellationToken)
    {
        if (await users.ReadEverySessionEndedAtAsync(cancellationToken) is { } at)
        {
            revocations.EndEverySession(new DateTimeOffset(at, TimeSpan.Zero));
        }
    }

    /// <summary>
    /// Ends here what another process ended in the database (embedded mode: <c>user-api disable|delete</c> against a
    /// running server, whose sessions live in its memory): every session of a user now gone or disabled, and the
    /// sessions the user's durable cutoff ends. The user is read afresh: the change feed has evicted it.
    /// </summary>
    public async Task EndSessionsEndedElsewhereAsync(long userId, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(userId, cancellationToken);
        if (user is null || user.Disabled)
        {
            MarkRevoked(await sessions.RevokeAllAsync(userId, null, cancellationToken));
            return;
        }
        foreach (var session in await sessions.ListAsync(userId, time.GetUtcNow(), cancellationToken))
        {
            if (user.Cutoff.Ends(session.Id, session.CreatedAt))
            {
                await RevokeAsync(userId, session.Id, cancellationToken);
            }
        }
    }

    /// <summary>For sessions another store call ended (reuse, eviction): refuse their access tokens here too.</summary>
    public void MarkRevoked(EndedSessions ended)
    {
        if (ended.Ids.Count == 0)
        {
            return;
        }
        // In process the list is the only record; an access token outlives its session by at most its own
        // lifetime plus the tolerated skew.
        var until = ended.RevokedUntil ?? time.GetUtcNow() + options.Value.RevocationLifetime;
        foreach (var sessionId in ended.Ids)
        {
            revocations.Add(sessionId, until);
        }
        metrics.SessionsRevoked.Add(ended.Ids.Count);
    }
}
