using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using UserApi.Configuration;
using UserApi.Tests.Support;
using UserApi.Users;

namespace UserApi.Tests.Users;

/// <summary>A migrated SQLite file of the test class's own.</summary>
public sealed class SqliteUserTable : IAsyncLifetime
{
    private readonly string _path = UserApiFactory.NewTemporaryPath(".db");

    public SqlUserStore Store { get; private set; } = null!;

    public async Task InitializeAsync() => Store = await MigratedStoreAsync(DataSource.Sqlite(_path));

    public Task DisposeAsync()
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_path + suffix);
        }
        return Task.CompletedTask;
    }

    internal static async Task<SqlUserStore> MigratedStoreAsync(DataSource dataSource)
    {
        var dialect = SqlDialect.For(dataSource);
        await new Migrations(dialect, NullLogger<Migrations>.Instance).ApplyAsync(CancellationToken.None);
        return new SqlUserStore(dialect);
    }
}

/// <summary>The test run's MariaDB database, migrated.</summary>
public sealed class MariaDbUserTable : IAsyncLifetime
{
    public SqlUserStore Store { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Store = await SqliteUserTable.MigratedStoreAsync(new DataSource(DataSourceKind.MySql, TestServers.MySqlDataSource));

    public Task DisposeAsync() => Task.CompletedTask;
}

public sealed class SqliteUserStoreTests(SqliteUserTable table) : UserStoreContract, IClassFixture<SqliteUserTable>
{
    protected override IUserStore Store => table.Store;
}

public sealed class MariaDbUserStoreTests(MariaDbUserTable table) : UserStoreContract, IClassFixture<MariaDbUserTable>
{
    protected override IUserStore Store => table.Store;
}

/// <summary>The user store as the embedded service composes it (first-level cache over SQLite), taken from the running app.</summary>
public sealed class EmbeddedUserStoreStackTests(EmbeddedBackend app) : UserStoreContract, IClassFixture<EmbeddedBackend>
{
    protected override IUserStore Store { get; } = app.Services.GetRequiredService<IUserStore>();
}

/// <summary>The user store as the production service composes it (first-level cache, goctl-style Redis cache, MariaDB), on a Redis node.</summary>
public sealed class MySqlRedisUserStoreStackTests(MySqlRedisBackend app) : UserStoreContract, IClassFixture<MySqlRedisBackend>
{
    protected override IUserStore Store { get; } = app.Services.GetRequiredService<IUserStore>();
}

/// <summary>The same stack on the Redis Cluster, where a user's id and name keys lie in different slots.</summary>
public sealed class MySqlRedisClusterUserStoreStackTests(MySqlRedisClusterBackend app) : UserStoreContract, IClassFixture<MySqlRedisClusterBackend>
{
    protected override IUserStore Store { get; } = app.Services.GetRequiredService<IUserStore>();
}
