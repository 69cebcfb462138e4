using System.Globalization;
using StackExchange.Redis;
using UserApi.Redis;

namespace UserApi.Sessions;

/// <summary>
/// Sessions in Redis: a hash <c>session:{u&lt;id&gt;}:&lt;sid&gt;</c> expiring at the session's absolute end,
/// and the user's index <c>sessions:{u&lt;id&gt;}</c> (sid by creation time). Every change is one Lua script
/// over keys of one hash slot, so it is atomic on a single node and on Redis Cluster alike.
/// </summary>
public sealed class RedisSessionStore(IConnectionMultiplexer redis) : ISessionStore
{
    // Short field names: every byte is multiplied by the number of live sessions.
    private const string UserId = "u";
    private const string RefreshJti = "j";
    private const string PreviousRefreshJti = "pj";
    private const string CreatedAt = "c";
    private const string RotatedAt = "r";
    private const string LastUsedAt = "l";
    private const string ExpiresAt = "e";
    private const string Ip = "ip";
    private const string UserAgent = "ua";

    // The scripts build the keys of the user's other sessions from KEYS[2]'s prefix: they share its
    // hash tag, so they live in the same cluster slot.
    private const string Prune =
        """
        local function prune(index, prefix, now)
          for _, sid in ipairs(redis.call('ZRANGE', index, 0, -1)) do
            local e = redis.call('HGET', prefix .. sid, 'e')
            if not e or tonumber(e) <= now then
              redis.call('DEL', prefix .. sid)
              redis.call('ZREM', index, sid)
            end
          end
        end

        """;

    // KEYS: session, index. ARGV: sid, created, expires, now, max, prefix, field, value, ...
    private const string CreateScript = Prune +
        """
        prune(KEYS[2], ARGV[6], tonumber(ARGV[4]))
        redis.call('HSET', KEYS[1], unpack(ARGV, 7))
        redis.call('PEXPIREAT', KEYS[1], ARGV[3])
        redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
        local remaining = tonumber(ARGV[3]) - tonumber(ARGV[4])
        if redis.call('PTTL', KEYS[2]) < remaining then
          redis.call('PEXPIRE', KEYS[2], remaining)
        end
        local evicted = {}
        local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
        if excess > 0 then
          evicted = redis.call('ZRANGE', KEYS[2], 0, excess - 1)
          for _, sid in ipairs(evicted) do
            redis.call('DEL', ARGV[6] .. sid)
            redis.call('ZREM', KEYS[2], sid)
          end
        end
        return evicted
        """;

    // KEYS: session, index. ARGV: presented, next, now, sid, reuse interval ms, idle timeout ms.
    // Returns {status, fields}: 0 not found, 1 rotated, 2 reused (deleted), 3 replayed within the grace window.
    private const string RotateScript =
        """
        local now = tonumber(ARGV[3])
        local s = redis.call('HMGET', KEYS[1], 'j', 'pj', 'r', 'l', 'e')
        if not s[1] or tonumber(s[5]) <= now then
          return {0}
        end
        local idle = tonumber(ARGV[6])
        if idle > 0 and now - tonumber(s[4]) > idle then
          redis.call('DEL', KEYS[1])
          redis.call('ZREM', KEYS[2], ARGV[4])
          return {0}
        end
        if s[1] == ARGV[1] then
          redis.call('HSET', KEYS[1], 'j', ARGV[2], 'pj', ARGV[1], 'r', ARGV[3], 'l', ARGV[3])
          return {1, redis.call('HGETALL', KEYS[1])}
        end
        local interval = tonumber(ARGV[5])
        if interval > 0 and s[2] == ARGV[1] and now - tonumber(s[3]) <= interval then
          return {3, redis.call('HGETALL', KEYS[1])}
        end
        local fields = redis.call('HGETALL', KEYS[1])
        redis.call('DEL', KEYS[1])
        redis.call('ZREM', KEYS[2], ARGV[4])
        return {2, fields}
        """;

    // KEYS: index. ARGV: prefix, now. Returns {sid, fields, sid, fields, ...} of live sessions.
    private const string ListScript = Prune +
        """
        prune(KEYS[1], ARGV[1], tonumber(ARGV[2]))
        local result = {}
        for _, sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
          table.insert(result, sid)
          table.insert(result, redis.call('HGETALL', ARGV[1] .. sid))
        end
        return result
        """;

    // KEYS: session, index. ARGV: sid.
    private const string RevokeScript =
        """
        redis.call('ZREM', KEYS[2], ARGV[1])
        return redis.call('DEL', KEYS[1])
        """;

    // KEYS: index. ARGV: prefix, except sid (may be empty). Returns the revoked ids.
    private const string RevokeAllScript =
        """
        local revoked = {}
        for _, sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
          if sid ~= ARGV[2] then
            redis.call('DEL', ARGV[1] .. sid)
            redis.call('ZREM', KEYS[1], sid)
            table.insert(revoked, sid)
          end
        end
        return revoked
        """;

    private IDatabase Database => redis.GetDatabase();

    public async Task<IReadOnlyList<string>> CreateAsync(Session session, int maxSessions, CancellationToken cancellationToken)
    {
        var values = new List<RedisValue>
        {
            session.Id,
            session.CreatedAt.ToUnixTimeMilliseconds(),
            session.ExpiresAt.ToUnixTimeMilliseconds(),
            session.CreatedAt.ToUnixTimeMilliseconds(),
            maxSessions,
            RedisKeys.SessionPrefix(session.UserId),
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
        var evicted = await Database.ScriptEvaluateAsync(CreateScript, Keys(session.UserId, session.Id), [.. values]);
        return [.. ((RedisResult[])evicted!).Select(r => (string)r!)];
    }

    public async Task<Session?> FindAsync(long userId, string sessionId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var fields = await Database.HashGetAllAsync(RedisKeys.Session(userId, sessionId));
        var session = Parse(sessionId, fields.ToDictionary(f => (string)f.Name!, f => f.Value));
        return session is not null && session.ExpiresAt > now ? session : null;
    }

    public async Task<IReadOnlyList<Session>> ListAsync(long userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var result = (RedisResult[])(await Database.ScriptEvaluateAsync(ListScript, [RedisKeys.Sessions(userId)],
            [RedisKeys.SessionPrefix(userId), now.ToUnixTimeMilliseconds()]))!;
        var sessions = new List<Session>();
        for (var i = 0; i + 1 < result.Length; i += 2)
        {
            if (Parse((string)result[i]!, Pairs((RedisResult[])result[i + 1]!)) is { } session)
            {
                sessions.Add(session);
            }
        }
        return [.. sessions.OrderByDescending(s => s.CreatedAt)];
    }

    public async Task<RotationResult> RotateAsync(long userId, string sessionId, string presentedJti, string nextJti, DateTimeOffset now, RotationPolicy policy, CancellationToken cancellationToken)
    {
        var result = await Database.ScriptEvaluateAsync(RotateScript, Keys(userId, sessionId),
        [
            presentedJti, nextJti, now.ToUnixTimeMilliseconds(), sessionId,
            (long)policy.ReuseInterval.TotalMilliseconds, (long)policy.IdleTimeout.TotalMilliseconds,
        ]);
        var parts = (RedisResult[])result!;
        var session = parts.Length > 1 ? Parse(sessionId, Pairs((RedisResult[])parts[1]!)) : null;
        return (int)parts[0] switch
        {
            1 => new RotationResult(RotationStatus.Rotated, session),
            2 => new RotationResult(RotationStatus.Reused, session),
            3 => new RotationResult(RotationStatus.Replayed, session),
            _ => new RotationResult(RotationStatus.NotFound, null),
        };
    }

    public async Task<bool> RevokeAsync(long userId, string sessionId, CancellationToken cancellationToken) =>
        (int)await Database.ScriptEvaluateAsync(RevokeScript, Keys(userId, sessionId), [sessionId]) > 0;

    public async Task<IReadOnlyList<string>> RevokeAllAsync(long userId, string? exceptSessionId, CancellationToken cancellationToken)
    {
        var revoked = await Database.ScriptEvaluateAsync(RevokeAllScript, [RedisKeys.Sessions(userId)],
            [RedisKeys.SessionPrefix(userId), exceptSessionId ?? ""]);
        return [.. ((RedisResult[])revoked!).Select(r => (string)r!)];
    }

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
