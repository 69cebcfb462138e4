using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using UserApi.Configuration;
using UserApi.Infrastructure;
using UserApi.Sessions;
using UserApi.Users;

namespace UserApi.Hosting;

/// <summary><c>/readyz</c>: the user database answers a query.</summary>
public sealed class DatabaseReadinessCheck(SqlDialect dialect) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = dialect.CreateConnection();
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy($"{dialect.Kind} is unreachable: {e.Message}");
        }
    }
}

/// <summary><c>/readyz</c>: Redis answers a PING (every node, for a cluster), when Redis is configured.</summary>
public sealed class RedisReadinessCheck(IOptions<ServiceOptions> options, IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (options.Value.CacheRedis.Count == 0)
        {
            return HealthCheckResult.Healthy("Redis is not configured (in-process sessions).");
        }
        try
        {
            var redis = services.GetRequiredService<IConnectionMultiplexer>();
            foreach (var endpoint in redis.GetEndPoints())
            {
                var server = redis.GetServer(endpoint);
                if (server.IsConnected && !server.IsReplica)
                {
                    await server.PingAsync();
                }
            }
            return redis.IsConnected ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Redis is not connected.");
        }
        catch (Exception e) when (StoreOutage.IsRedis(e))
        {
            return HealthCheckResult.Unhealthy($"Redis is unreachable: {e.Message}");
        }
    }
}

/// <summary><c>/readyz</c>: the revoked sessions are known to be complete, so access tokens are answered (always, in process).</summary>
public sealed class RevocationReadinessCheck(RevocationList revocations) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(revocations.IsComplete
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The revoked sessions could not be read from Redis; access tokens are answered 503 until they are."));
}
