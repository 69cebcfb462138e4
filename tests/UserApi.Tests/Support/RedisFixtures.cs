using StackExchange.Redis;

namespace UserApi.Tests.Support;

/// <summary>
/// A connection of the test's own to one of the Redis deployments scripts/test.sh starts, for the store
/// contract suites (a class fixture: one connection per test class). A server that is not there fails the
/// fixture, and so every test of the class.
/// </summary>
public abstract class RedisFixture : IAsyncLifetime
{
    public IConnectionMultiplexer Multiplexer { get; private set; } = null!;

    protected abstract IReadOnlyList<string> Endpoints { get; }

    protected abstract ServerType Expected { get; }

    public async Task InitializeAsync()
    {
        var options = new ConfigurationOptions { ClientName = "user-api-contract-tests", ConnectTimeout = 5000 };
        foreach (var endpoint in Endpoints)
        {
            options.EndPoints.Add(endpoint);
        }
        Multiplexer = await ConnectionMultiplexer.ConnectAsync(options);
        // A single node mistaken for the cluster (or the reverse) would pass the suite without testing it.
        Assert.All(Multiplexer.GetServers(), server => Assert.Equal(Expected, server.ServerType));
    }

    public async Task DisposeAsync() => await Multiplexer.DisposeAsync();
}

/// <summary>The single Redis node (USERAPI_TEST_REDIS).</summary>
public sealed class RedisNodeFixture : RedisFixture
{
    protected override IReadOnlyList<string> Endpoints => [TestServers.Redis];

    protected override ServerType Expected => ServerType.Standalone;
}

/// <summary>The 3-master Redis Cluster (USERAPI_TEST_REDIS_CLUSTER).</summary>
public sealed class RedisClusterFixture : RedisFixture
{
    protected override IReadOnlyList<string> Endpoints => TestServers.RedisCluster;

    protected override ServerType Expected => ServerType.Cluster;
}
