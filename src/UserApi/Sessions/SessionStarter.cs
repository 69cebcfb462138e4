using Microsoft.Extensions.Options;
using UserApi.Configuration;
using UserApi.Infrastructure;

namespace UserApi.Sessions;

/// <summary>
/// Starts a session (a login's refresh-token family) under <c>Auth.MaxSessionsPerUser</c>: the oldest sessions
/// beyond it are ended, their access tokens refused everywhere.
/// </summary>
public sealed class SessionStarter(ISessionStore sessions, SessionRevoker revoker, IOptions<AuthOptions> options, TimeProvider time)
{
    public async Task<Session> StartAsync(long userId, string? ip, string? userAgent, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var session = new Session(Ids.New(), userId, Ids.New(), null, now, now, now + options.Value.RefreshLifetime, ip, userAgent);
        revoker.MarkRevoked(await sessions.CreateAsync(session, options.Value.MaxSessionsPerUser, cancellationToken));
        return session;
    }
}
