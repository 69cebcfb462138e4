using StackExchange.Redis;
using UserApi.Redis;

namespace UserApi.Security;

/// <summary>Counters in Redis hashes <c>login-fail:{...}</c> (count, last attempt), shared by every instance.</summary>
public sealed class RedisLoginFailureStore(IConnectionMultiplexer redis) : ILoginFailureStore
{
    // KEYS: the counter. ARGV: now ms, limit, first lock ms, max lock ms, window ms.
    // Returns {reserved, count, last, the last before this one}.
    // The lock is LockPolicy.LockAfter's rule.
    private static readonly RedisScript ReserveScript = new(
        """
        local c = tonumber(redis.call('HGET', KEYS[1], 'c') or '0')
        local l = tonumber(redis.call('HGET', KEYS[1], 'l') or '0')
        local now, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
        if c >= limit then
          local lock = math.min(tonumber(ARGV[3]) * 2 ^ math.min(c - limit, 20), tonumber(ARGV[4]))
          if now < l + lock then
            return {0, c, l}
          end
        end
        c = redis.call('HINCRBY', KEYS[1], 'c', 1)
        redis.call('HSET', KEYS[1], 'l', ARGV[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        return {1, c, now, l}
        """);

    // KEYS: the counter. ARGV: the released attempt's time ms, the time before it ms.
    private static readonly RedisScript ReleaseScript = new(
        """
        if redis.call('EXISTS', KEYS[1]) == 1 then
          if redis.call('HINCRBY', KEYS[1], 'c', -1) <= 0 then
            redis.call('DEL', KEYS[1])
          elseif redis.call('HGET', KEYS[1], 'l') == ARGV[1] then
            redis.call('HSET', KEYS[1], 'l', ARGV[2])
          end
        end
        return 0
        """);

    public async Task<LoginFailures> GetAsync(string key, CancellationToken cancellationToken)
    {
        var values = await redis.GetDatabase().HashGetAsync(Key(key), ["c", "l"]);
        return values[0].HasValue && values[1].HasValue
            ? new LoginFailures((long)values[0], DateTimeOffset.FromUnixTimeMilliseconds((long)values[1]))
            : default;
    }

    public async Task<Reservation> TryReserveAsync(string key, LockPolicy policy, DateTimeOffset now, TimeSpan window, CancellationToken cancellationToken)
    {
        var result = (long[])(await ReserveScript.EvaluateAsync(redis.GetDatabase(), [Key(key)],
        [
            now.ToUnixTimeMilliseconds(), policy.Limit, (long)policy.FirstLock.TotalMilliseconds,
            (long)policy.MaxLock.TotalMilliseconds, (long)window.TotalMilliseconds,
        ]))!;
        return new Reservation(result[0] == 1, new LoginFailures(result[1], DateTimeOffset.FromUnixTimeMilliseconds(result[2])),
            result.Length > 3 ? DateTimeOffset.FromUnixTimeMilliseconds(result[3]) : default);
    }

    public async Task ReleaseAsync(string key, Reservation reservation, CancellationToken cancellationToken) =>
        await ReleaseScript.EvaluateAsync(redis.GetDatabase(), [Key(key)],
            [reservation.Failures.LastAttemptAt.ToUnixTimeMilliseconds(), reservation.PreviousAttemptAt.ToUnixTimeMilliseconds()]);

    public Task ResetAsync(string key, CancellationToken cancellationToken) => redis.GetDatabase().KeyDeleteAsync(Key(key));

    private static RedisKey Key(string key) => $"login-fail:{{{key}}}";
}
