using StackExchange.Redis;
using UserApi.Configuration;

namespace UserApi.Redis;

/// <summary>go-zero's <c>CacheRedis</c> list as a StackExchange.Redis connection: one node, or the seed nodes of a cluster.</summary>
public static class RedisConnection
{
    public static ConfigurationOptions Options(IReadOnlyList<RedisNodeOptions> nodes, string clientName)
    {
        var options = new ConfigurationOptions
        {
            ClientName = clientName,
            // Reconnect in the background: the service keeps answering from the database while Redis is away.
            // (It still needs Redis at start-up, to load the revoked sessions: RedisRevocationFeed.)
            AbortOnConnectFail = false,
            ConnectTimeout = 5000,
            SyncTimeout = 2000,
            AsyncTimeout = 2000,
            ConnectRetry = 3,
            KeepAlive = 15,
            // While disconnected, fail at once (the caller falls back or answers 503) instead of queueing.
            BacklogPolicy = BacklogPolicy.FailFast,
        };
        foreach (var node in nodes)
        {
            options.EndPoints.Add(node.Host);
        }
        var first = nodes[0];
        if (first.Pass.Length > 0)
        {
            options.Password = first.Pass;
        }
        options.Ssl = first.Tls;
        return options;
    }

    public static IConnectionMultiplexer Connect(IReadOnlyList<RedisNodeOptions> nodes, string clientName) =>
        ConnectionMultiplexer.Connect(Options(nodes, clientName));
}
