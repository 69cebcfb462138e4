using System.Globalization;
using StackExchange.Redis;
using UserApi.Redis;

namespace UserApi.Sessions;

/// <summary>
/// Sessions in Redis: all sessions of a user in one string key, <c>sessions:{u&lt;id&gt;}</c>, expiring with
/// the last of them. One key per user rather than a hash per session plus an index keeps a session at
/// a few hundred bytes (a Redis key costs about a hundred bytes before its value, and a hash holding a
/// user agent longer than 64 bytes leaves Redis's compact encoding). Every change is one Lua script
/// over that one key, so it is atomic on a single node and on Redis Cluster alike.
/// </summary>
/// <remarks>
/// The value is one line per session, fields separated by tabs: id, refresh jti, previous refresh jti,
/// created, last used, expires (Unix milliseconds), IP, user agent. Ids and jtis are base64url and the
/// IP and user agent are kept on one line (<see cref="Session.AsStored"/>), so a field never contains a separator.
/// </remarks>
public sealed class RedisSessionStore(IConnectionMultiplexer redis) : ISessionStore
{
    private const int FieldCount = 8;

    // Shared by every script: field positions, parsing, pruning and writing back the user's sessions.
    private const string Codec =
        """
        local SID, JTI, PREVIOUS, CREATED, LAST_USED, EXPIRES = 1, 2, 3, 4, 5, 6

        local function live(key, now)
          local sessions = {}
          local blob = redis.call('GET', key)
          if blob then
            for line in string.gmatch(blob, '[^\n]+') do
              local s = {}
              for field in string.gmatch(line .. '\t', '([^\t]*)\t') do
                s[#s + 1] = field
              end
              if tonumber(s[EXPIRES]) > now then
                sessions[#sessions + 1] = s
              end
            end
          end
          return sessions
        end

        local function save(key, sessions)
          if #sessions == 0 then
            redis.call('DEL', key)
            return
          end
          local lines, last = {}, 0
          for i, s in ipairs(sessions) do
            lines[i] = table.concat(s, '\t')
            last = math.max(last, tonumber(s[EXPIRES]))
          end
          redis.call('SET', key, table.concat(lines, '\n'), 'PXAT', string.format('%d', last))
        end

        local function find(sessions, sid)
          for i, s in ipairs(sessions) do
            if s[SID] == sid then
              return i, s
            end
          end
        end

        """;

    // KEYS: sessions. ARGV: now, max sessions, the new session's fields. Returns the evicted ids.
    private static readonly RedisScript CreateScript = new(Codec +
        """
        local sessions = live(KEYS[1], tonumber(ARGV[1]))
        sessions[#sessions + 1] = {unpack(ARGV, 3)}
        table.sort(sessions, function(a, b) return tonumber(a[CREATED]) < tonumber(b[CREATED]) end)
        local evicted = {}
        while #sessions > tonumber(ARGV[2]) do
          evicted[#evicted + 1] = table.remove(sessions, 1)[SID]
        end
        save(KEYS[1], sessions)
        return evicted
        """);

    // KEYS: sessions. ARGV: sid, presented jti, next jti, now, reuse interval ms, idle timeout ms.
    // Returns {status, record}: 0 not found, 1 rotated, 2 reused (deleted), 3 replayed within the grace window.
    private static readonly RedisScript RotateScript = new(Codec +
        """
        local now = tonumber(ARGV[4])
        local sessions = live(KEYS[1], now)
        local i, s = find(sessions, ARGV[1])
        if not s then
          return {0}
        end
        local idle = tonumber(ARGV[6])
        if idle > 0 and now - tonumber(s[LAST_USED]) > idle then
          table.remove(sessions, i)
          save(KEYS[1], sessions)
          return {0}
        end
        if s[JTI] == ARGV[2] then
          s[PREVIOUS], s[JTI], s[LAST_USED] = s[JTI], ARGV[3], ARGV[4]
          save(KEYS[1], sessions)
          return {1, table.concat(s, '\t')}
        end
        local interval = tonumber(ARGV[5])
        if interval > 0 and s[PREVIOUS] ~= '' and s[PREVIOUS] == ARGV[2] and now - tonumber(s[LAST_USED]) <= interval then
          return {3, table.concat(s, '\t')}
        end
        table.remove(sessions, i)
        save(KEYS[1], sessions)
        return {2, table.concat(s, '\t')}
        """);

    // KEYS: sessions. ARGV: now, sid to keep (may be empty), sids to delete (none: every other).
    // Returns the ids deleted.
    private static readonly RedisScript RevokeScript = new(Codec +
        """
        local sessions = live(KEYS[1], tonumber(ARGV[1]))
        local doomed = {}
        for i = 3, #ARGV do
          doomed[ARGV[i]] = true
        end
        local kept, revoked = {}, {}
        for _, s in ipairs(sessions) do
          if s[SID] == ARGV[2] or (#ARGV > 2 and not doomed[s[SID]]) then
            kept[#kept + 1] = s
          else
            revoked[#revoked + 1] = s[SID]
          end
        end
        save(KEYS[1], kept)
        return revoked
        """);

    private IDatabase Database => redis.GetDatabase();

    public async Task<IReadOnlyList<string>> CreateAsync(Session session, int maxSessions, CancellationToken cancellationToken)
    {
        session = session.AsStored();
        RedisValue[] arguments = [Milliseconds(session.CreatedAt), maxSessions, .. Fields(session)];
        var evicted = await CreateScript.EvaluateAsync(Database, [RedisKeys.Sessions(session.UserId)], arguments);
        return [.. ((RedisResult[])evicted!).Select(r => (string)r!)];
    }

    public async Task<Session?> FindAsync(long userId, string sessionId, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await ListAsync(userId, now, cancellationToken)).FirstOrDefault(s => s.Id == sessionId);

    public async Task<IReadOnlyList<Session>> ListAsync(long userId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var value = (string?)await Database.StringGetAsync(RedisKeys.Sessions(userId));
        if (value is null)
        {
            return [];
        }
        return [.. value.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => Parse(userId, line.Split('\t')))
            .Where(s => s.ExpiresAt > now)
            .OrderByDescending(s => s.CreatedAt)];
    }

    public async Task<RotationResult> RotateAsync(long userId, string sessionId, string presentedJti, string nextJti, DateTimeOffset now, RotationPolicy policy, CancellationToken cancellationToken)
    {
        var result = await RotateScript.EvaluateAsync(Database, [RedisKeys.Sessions(userId)],
        [
            sessionId, presentedJti, nextJti, Milliseconds(now),
            (long)policy.ReuseInterval.TotalMilliseconds, (long)policy.IdleTimeout.TotalMilliseconds,
        ]);
        var parts = (string[])result!;
        var session = parts.Length > 1 ? Parse(userId, parts[1].Split('\t')) : null;
        return parts[0] switch
        {
            "1" => new RotationResult(RotationStatus.Rotated, session),
            "2" => new RotationResult(RotationStatus.Reused, session),
            "3" => new RotationResult(RotationStatus.Replayed, session),
            _ => new RotationResult(RotationStatus.NotFound, null),
        };
    }

    public async Task<bool> RevokeAsync(long userId, string sessionId, CancellationToken cancellationToken) =>
        (await RevokeAsync(userId, keep: "", [sessionId])).Count > 0;

    public Task<IReadOnlyList<string>> RevokeAllAsync(long userId, string? exceptSessionId, CancellationToken cancellationToken) =>
        RevokeAsync(userId, keep: exceptSessionId ?? "", []);

    private async Task<IReadOnlyList<string>> RevokeAsync(long userId, string keep, string[] sessionIds)
    {
        // The store keeps no clock: now = 0 keeps expired records (a revoked expired session is harmless),
        // and the next create or refresh drops them.
        RedisValue[] arguments = [0, keep, .. sessionIds.Select(id => (RedisValue)id)];
        var revoked = await RevokeScript.EvaluateAsync(Database, [RedisKeys.Sessions(userId)], arguments);
        return (string[])revoked!;
    }

    private static RedisValue[] Fields(Session session) =>
    [
        session.Id,
        session.RefreshJti,
        session.PreviousRefreshJti ?? "",
        Milliseconds(session.CreatedAt),
        Milliseconds(session.LastUsedAt),
        Milliseconds(session.ExpiresAt),
        session.Ip ?? "",
        session.UserAgent ?? "",
    ];

    private static Session Parse(long userId, string[] fields)
    {
        if (fields.Length != FieldCount)
        {
            throw new InvalidDataException($"A session record of user {userId} has {fields.Length} fields, not {FieldCount}.");
        }
        return new Session(
            fields[0],
            userId,
            fields[1],
            NullIfEmpty(fields[2]),
            Time(fields[3]),
            Time(fields[4]),
            Time(fields[5]),
            NullIfEmpty(fields[6]),
            NullIfEmpty(fields[7]));
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private static long Milliseconds(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    private static DateTimeOffset Time(string milliseconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(milliseconds, CultureInfo.InvariantCulture));
}
