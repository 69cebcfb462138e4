using Microsoft.Extensions.Options;
using UserApi.Configuration;
using UserApi.Infrastructure;
using UserApi.Users;

namespace UserApi.Sessions;

/// <summary>
/// Starts a session (a login's refresh-token family) under <c>Auth.MaxSessionsPerUser</c>: the oldest sessions
/// beyond it are ended, their access tokens refused everywhere.
/// </summary>
public sealed class SessionStarter(ISessionStore sessions, IUserStore users, SessionRevoker revoker, RevocationList revocations, IOptions<AuthOptions> options, TimeProvider time)
{
    /// <summary>
    /// Starts a session for a login that proved itself against the user as it was when <paramref name="cutoffAtCheck"/>
    /// was read; null when the user's sessions were ended since (a password change, a disable, a logout everywhere
    /// while the password was being hashed): the new session is then ended too.
    /// </summary>
    /// <remarks>
    /// The cutoff is read again after the session is stored, and the ending writes it before it deletes sessions:
    /// either this read sees the new cutoff, or the ending's deletion comes after the store and finds the session.
    /// </remarks>
    public async Task<Session?> StartAsync(long userId, SessionCutoff cutoffAtCheck, bool secondFactor, string? ip, string? userAgent, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var session = new Session(Ids.New(), userId, Ids.New(), null, now, now, now + options.Value.RefreshLifetime, ip, userAgent) { SecondFactor = secondFactor };
        revoker.MarkRevoked(await sessions.CreateAsync(session, options.Value.MaxSessionsPerUser, cancellationToken));
        if (await users.ReadSessionCutoffAsync(userId, cancellationToken) != cutoffAtCheck || revocations.EndedWithEverySession(now))
        {
            await revoker.RevokeAsync(userId, session.Id, cancellationToken);
            return null;
        }
        return session;
    }
}
