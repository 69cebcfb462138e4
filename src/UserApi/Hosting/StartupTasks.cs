using Microsoft.Extensions.Hosting;
using UserApi.Passwords;
using UserApi.Sessions;
using UserApi.Users;

namespace UserApi.Hosting;

/// <summary>
/// Runs before the server accepts requests: schema migrations, the end of every session the database recorded, the revocation feed (its subscription, and a
/// first read of the revocations made elsewhere: until one succeeds, access tokens are answered 503), then
/// the hasher's timing-equaliser hash.
/// </summary>
public sealed class StartupTasks(Migrations migrations, IRevocationFeed revocationFeed, SessionRevoker revoker, IUserChangeFeed userChanges, PasswordHasher hasher) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await migrations.ApplyAsync(cancellationToken);
        await revoker.LoadEverySessionEndedAsync(cancellationToken);
        await revocationFeed.StartAsync(cancellationToken);
        await userChanges.StartAsync(cancellationToken);
        await hasher.WarmAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
