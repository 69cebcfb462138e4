using MySqlConnector;
using UserApi.Tests.Support;
using UserApi.Users;

namespace UserApi.Tests.MySqlAndRedis;

/// <summary><c>user-api migrate</c> against MariaDB, with the seed's go-sql-driver DSN form.</summary>
public sealed class MigrationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("user-api-migrate-").FullName;

    [Fact]
    public async Task MigrateCreatesTheDatabaseAndSchemaOnceThenDoesNothing()
    {
        var server = new MySqlConnectionStringBuilder(TestServers.MySql);
        var database = $"user_api_migrate_{Guid.NewGuid():N}"[..30];
        var dsn = $"{server.UserID}:{server.Password}@tcp({server.Server}:{server.Port})/{database}?parseTime=true";
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["UserApi__DataSource"] = dsn,
            ["UserApi__Auth__AccessSecret"] = "migrate-test-access-secret-0123456789abcdef",
            ["UserApi__Auth__RefreshSecret"] = "migrate-test-refresh-secret-0123456789abcdef",
        };

        await using (var first = ServiceProcess.Start(["migrate"], environment, _directory))
        {
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains($"{Migrations.All.Count} migration(s) applied", first.Output);
            Assert.Contains("password=***", first.Output, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain($"password={server.Password}", first.Output, StringComparison.OrdinalIgnoreCase);
        }
        await using (var second = ServiceProcess.Start(["migrate"], environment, _directory))
        {
            Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains($"0 migration(s) applied; schema at version {Migrations.All[^1].Version}", second.Output);
        }

        await using var connection = new MySqlConnection($"{TestServers.MySql};Database={database}");
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SHOW INDEX FROM users WHERE Key_name = 'ux_users_username_normalized' AND Non_unique = 0", connection);
        Assert.NotNull(await command.ExecuteScalarAsync());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
