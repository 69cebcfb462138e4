using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using UserApi.Infrastructure;
using UserApi.Redis;

namespace UserApi.Security;

/// <summary>
/// Counters in Redis strings <c>rate:{...}</c>, shared by every instance, so N instances do not give N times the
/// budget. The window is the key's expiry, on Redis's clock: instances whose clocks differ still agree.
/// </summary>
public sealed class RedisRateLimitStore(IConnectionMultiplexer redis, TimeProvider time, ILogger<RedisRateLimitStore> logger) : IRateLimitStore
{
    // KEYS: the counter. ARGV: limit, window ms. Returns {acquired, count, ms until the window ends}.
    // A counter without an expiry is a new window (or one whose PEXPIRE was lost): it ends a window from now.
    private static readonly RedisScript AcquireScript = new(
        """
        local count = tonumber(redis.call('GET', KEYS[1]) or '0')
        local acquired = 0
        if count < tonumber(ARGV[1]) then
          count = redis.call('INCR', KEYS[1])
          acquired = 1
        end
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          ttl = tonumber(ARGV[2])
        end
        return {acquired, count, ttl}
        """);

    private readonly InMemoryRateLimitStore _local = new(time);
    private readonly IntervalGate _outageWarning = new(TimeSpan.FromMinutes(1));

    public async ValueTask<RateLimitCount> TryAcquireAsync(string key, int limit, TimeSpan window, CancellationToken cancellationToken)
    {
        try
        {
            var result = (long[])(await AcquireScript.EvaluateAsync(redis.GetDatabase(), [Key(key)], [limit, (long)window.TotalMilliseconds]))!;
            return new RateLimitCount(result[0] == 1, result[1], TimeSpan.FromMilliseconds(result[2]));
        }
        catch (Exception e) when (StoreOutage.IsRedis(e))
        {
            // Each instance counts on its own until Redis is back (N instances: N times the budget), rather than 503:
            // these limits bound cost and enumeration speed, and the routes they guard work without Redis. The login
            // lock, which promises an exact number of guesses, fails closed instead.
            if (_outageWarning.TryEnter(time.GetUtcNow()))
            {
                logger.LogWarning("Rate limits are counted per instance while Redis is unavailable: {ExceptionType}: {Error}", e.GetType().FullName, e.Message);
            }
            return await _local.TryAcquireAsync(key, limit, window, cancellationToken);
        }
    }

    private static RedisKey Key(string key) => $"rate:{{{key}}}";
}
