using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using UserApi.Infrastructure;
using UserApi.Redis;

namespace UserApi.Users;

/// <summary>User changes announced on the Redis channel <c>user-changed</c>; a reconnect resets every first-level cache.</summary>
public sealed class RedisUserChangeFeed(IConnectionMultiplexer redis, ILogger<RedisUserChangeFeed> logger) : IUserChangeFeed
{
    private long _version;

    public event Action<long>? Changed;

    public event Action? Reset;

    public long Version => Interlocked.Read(ref _version);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await redis.GetSubscriber().SubscribeAsync(RedisKeys.UserChangedChannel, (_, message) =>
        {
            if (long.TryParse((string?)message, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                Interlocked.Increment(ref _version);
                Changed?.Invoke(id);
            }
        });
        redis.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                Interlocked.Increment(ref _version);
                Reset?.Invoke();
                logger.LogInformation("Redis reconnected: first-level user cache cleared");
            }
        };
    }

    public async Task PublishAsync(long userId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _version);
        Changed?.Invoke(userId);
        try
        {
            await redis.GetSubscriber().PublishAsync(RedisKeys.UserChangedChannel, userId.ToString(CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (StoreOutage.IsRedis(e))
        {
            // The other instances' entries expire within LocalUserCache.Lifetime; the write itself succeeded.
            logger.LogWarning("Could not announce a change of user {UserId}: {Error}", userId, e.Message);
        }
    }
}
