using Microsoft.Extensions.DependencyInjection;
using UserApi.Configuration;
using UserApi.Infrastructure;
using UserApi.Users;

namespace UserApi.Hosting.Cli;

/// <summary><c>user-api migrate</c>: applies the schema migrations and exits, for deployments that migrate before rolling out.</summary>
public static class MigrateCommand
{
    public static async Task<int> RunAsync(IServiceProvider services)
    {
        var dataSource = services.GetRequiredService<DataSource>();
        try
        {
            var applied = await services.GetRequiredService<Migrations>().ApplyAsync(CancellationToken.None);
            Console.WriteLine($"{dataSource.Describe()}: {applied} migration(s) applied; schema at version {Migrations.All.Max(m => m.Version)}.");
            return 0;
        }
        catch (Exception e) when (StoreOutage.Is(e))
        {
            Console.Error.WriteLine($"{dataSource.Describe()}: migration failed: {e.Message}");
            return 1;
        }
    }
}
