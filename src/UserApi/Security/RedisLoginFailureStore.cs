using StackExchange.Redis;
using UserApi.Redis;

namespace UserApi.Security;

/// <summary>Counters in Redis hashes <c>login-fail:{...}</c> (count, last failure), shared by every instance.</summary>
public sealed class RedisLoginFailureStore(IConnectionMultiplexer redis) : ILoginFailureStore
{
    private static readonly RedisScript RecordScript = new(
        """
        local count = redis.call('HINCRBY', KEYS[1], 'c', 1)
        redis.call('HSET', KEYS[1], 'l', ARGV[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return count
        """);

    public async Task<LoginFailures> GetAsync(string key, CancellationToken cancellationToken)
    {
        var values = await redis.GetDatabase().HashGetAsync(Key(key), ["c", "l"]);
        return values[0].HasValue && values[1].HasValue
            ? new LoginFailures((long)values[0], DateTimeOffset.FromUnixTimeMilliseconds((long)values[1]))
            : default;
    }

    public async Task<LoginFailures> RecordAsync(string key, DateTimeOffset now, TimeSpan window, CancellationToken cancellationToken)
    {
        var count = (long)await RecordScript.EvaluateAsync(redis.GetDatabase(), [Key(key)],
            [now.ToUnixTimeMilliseconds(), (long)window.TotalMilliseconds]);
        return new LoginFailures(count, now);
    }

    public Task ResetAsync(string key, CancellationToken cancellationToken) => redis.GetDatabase().KeyDeleteAsync(Key(key));

    private static RedisKey Key(string key) => $"login-fail:{{{key}}}";
}
