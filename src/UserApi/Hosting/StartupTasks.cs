using Microsoft.Extensions.Hosting;
using UserApi.Passwords;
using UserApi.Users;

namespace UserApi.Hosting;

/// <summary>Runs before the server accepts requests: schema migrations, then the hasher's timing-equaliser hash.</summary>
public sealed class StartupTasks(Migrations migrations, PasswordHasher hasher) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await migrations.ApplyAsync(cancellationToken);
        hasher.Warm();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
