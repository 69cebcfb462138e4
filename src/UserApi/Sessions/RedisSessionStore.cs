using System.Globalization;
using StackExchange.Redis;
using UserApi.Redis;

namespace UserApi.Sessions;

/// <summary>
/// Sessions in Redis: a hash <c>session:{u&lt;id&gt;}:&lt;sid&gt;</c> expiring at the session's absolute end,
/// and the user's index <c>sessions:{u&lt;id&gt;}</c> (sid by creation time). Every change is one Lua script
/// over keys of one hash slot, so it is atomic on a single node and on Redis Cluster alike.
/// </summary>
public sealed class RedisSessionStore(IConnectionMultiplexer redis, TimeProvider time) : ISessionStore
{
    // Short field names: a session is stored once per login, and every byte is multiplied by the sessions alive.
    private const string UserId = "u";
    private const string RefreshJti = "j";
    private const string PreviousRefreshJti = "pj";
    private const string CreatedAt = "c";
    private const string RotatedAt = "r";
    private const string LastUsedAt = "l";
    private const string ExpiresAt = "e";
    private const string Ip = "ip";
    private const string UserAgent = "ua";

    private const string CreateScript =
        """
        redis.call('HSET', KEYS[1], unpack(ARGV, 5))
        redis.call('PEXPIREAT', KEYS[1], ARGV[3])
        redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
        local remaining = tonumber(ARGV[3]) - tonumber(ARGV[4])
        if redis.call('PTTL', KEYS[2]) < remaining then
          redis.call('PEXPIRE', KEYS[2], remaining)
        end
        return 1
        """;

    // Returns {status, fields}: 0 no live session, 1 rotated, 2 reused (session deleted).
    private const string RotateScript =
        """
        local current = redis.call('HMGET', KEYS[1], 'j', 'e')
        if not current[1] or tonumber(current[2]) <= tonumber(ARGV[3]) then
          return {0}
        end
        if current[1] ~= ARGV[1] then
          local fields = redis.call('HGETALL', KEYS[1])
          redis.call('DEL', KEYS[1])
          redis.call('ZREM', KEYS[2], ARGV[4])
          return {2, fields}
        end
        redis.call('HSET', KEYS[1], 'j', ARGV[2], 'pj', ARGV[1], 'r', ARGV[3], 'l', ARGV[3])
        return {1, redis.call('HGETALL', KEYS[1])}
        """;

    private const string RevokeScript =
        """
        redis.call('ZREM', KEYS[2], ARGV[1])
        return redis.call('DEL', KEYS[1])
        """;

    public async Task CreateAsync(Session session, CancellationToken cancellationToken)
    {
        var values = new List<RedisValue>
        {
            session.Id,
            session.CreatedAt.ToUnixTimeMilliseconds(),
            session.ExpiresAt.ToUnixTimeMilliseconds(),
            time.GetUtcNow().ToUnixTimeMilliseconds(),
            UserId, session.UserId,
            RefreshJti, session.RefreshJti,
            CreatedAt, session.CreatedAt.ToUnixTimeMilliseconds(),
            RotatedAt, session.RotatedAt.ToUnixTimeMilliseconds(),
            LastUsedAt, session.LastUsedAt.ToUnixTimeMilliseconds(),
            ExpiresAt, session.ExpiresAt.ToUnixTimeMilliseconds(),
        };
        if (session.Ip is not null)
        {
            values.AddRange([Ip, session.Ip]);
        }
        if (session.UserAgent is not null)
        {
            values.AddRange([UserAgent, session.UserAgent]);
        }
        await redis.GetDatabase().ScriptEvaluateAsync(CreateScript, Keys(session.UserId, session.Id), [.. values]);
    }

    public async Task<Session?> FindAsync(long userId, string sessionId, CancellationToken cancellationToken)
    {
        var fields = await redis.GetDatabase().HashGetAllAsync(RedisKeys.Session(userId, sessionId));
        var session = Parse(sessionId, fields.ToDictionary(f => (string)f.Name!, f => f.Value));
        return session is not null && session.ExpiresAt > time.GetUtcNow() ? session : null;
    }

    public async Task<RotationResult> RotateAsync(long userId, string sessionId, string presentedJti, string nextJti, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var result = await redis.GetDatabase().ScriptEvaluateAsync(RotateScript, Keys(userId, sessionId),
            [presentedJti, nextJti, now.ToUnixTimeMilliseconds(), sessionId]);
        var parts = (RedisResult[])result!;
        var status = (int)parts[0];
        var session = parts.Length > 1 ? Parse(sessionId, Pairs((RedisResult[])parts[1]!)) : null;
        return status switch
        {
            1 => new RotationResult(RotationStatus.Rotated, session),
            2 => new RotationResult(RotationStatus.Reused, session),
            _ => new RotationResult(RotationStatus.NotFound, null),
        };
    }

    public async Task<bool> RevokeAsync(long userId, string sessionId, CancellationToken cancellationToken) =>
        (int)await redis.GetDatabase().ScriptEvaluateAsync(RevokeScript, Keys(userId, sessionId), [sessionId]) > 0;

    private static RedisKey[] Keys(long userId, string sessionId) => [RedisKeys.Session(userId, sessionId), RedisKeys.Sessions(userId)];

    private static Dictionary<string, RedisValue> Pairs(RedisResult[] flat)
    {
        var pairs = new Dictionary<string, RedisValue>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < flat.Length; i += 2)
        {
            pairs[(string)flat[i]!] = (RedisValue)flat[i + 1];
        }
        return pairs;
    }

    private static Session? Parse(string sessionId, IReadOnlyDictionary<string, RedisValue> fields)
    {
        if (!fields.TryGetValue(UserId, out var userId) || !fields.TryGetValue(RefreshJti, out var jti))
        {
            return null;
        }
        return new Session(
            sessionId,
            (long)userId,
            jti!,
            fields.TryGetValue(PreviousRefreshJti, out var previous) ? (string?)previous : null,
            Time(fields[CreatedAt]),
            Time(fields[RotatedAt]),
            Time(fields[LastUsedAt]),
            Time(fields[ExpiresAt]),
            fields.TryGetValue(Ip, out var ip) ? (string?)ip : null,
            fields.TryGetValue(UserAgent, out var agent) ? (string?)agent : null);
    }

    private static DateTimeOffset Time(RedisValue milliseconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds(long.Parse((string)milliseconds!, CultureInfo.InvariantCulture));
}
