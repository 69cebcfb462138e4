namespace UserApi.Tests.Support;

/// <summary>Production mode: MariaDB users (with the goctl-style cache) and sessions on a single Redis.</summary>
public class MySqlRedisBackend : UserApiFactory
{
    public override string BackendName => "mysql+redis";

    protected override IEnumerable<KeyValuePair<string, string?>> BackendSettings() =>
    [
        new("DataSource", TestServers.MySqlDataSource),
        new("CacheRedis:0:Host", TestServers.Redis),
        new("CacheRedis:0:Type", "node"),
    ];
}

/// <summary>Production mode on a 3-master Redis Cluster.</summary>
public sealed class MySqlRedisClusterBackend : UserApiFactory
{
    public override string BackendName => "mysql+redis-cluster";

    protected override IEnumerable<KeyValuePair<string, string?>> BackendSettings() =>
    [
        new("DataSource", TestServers.MySqlDataSource),
        .. TestServers.RedisCluster.SelectMany((host, i) => new KeyValuePair<string, string?>[]
        {
            new($"CacheRedis:{i}:Host", host),
            new($"CacheRedis:{i}:Type", "cluster"),
        }),
    ];
}

/// <summary>
/// Production mode against a Redis server of the test's own, which the test may stop; with <paramref name="dataSource"/>,
/// a database of its own too (what no other test may see: the end of every session).
/// </summary>
public sealed class PrivateRedisBackend(string redisHost, string? dataSource = null) : UserApiFactory
{
    public override string BackendName => "mysql+private-redis";

    /// <summary>A MariaDB database of the test's own, created on first use.</summary>
    public static string NewDatabase() => $"{TestServers.MySql};Database={TestServers.DatabaseName}_{Guid.NewGuid():N}";

    protected override IEnumerable<KeyValuePair<string, string?>> BackendSettings() =>
    [
        new("DataSource", dataSource ?? TestServers.MySqlDataSource),
        new("CacheRedis:0:Host", redisHost),
    ];
}
