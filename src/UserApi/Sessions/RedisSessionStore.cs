using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using UserApi.Configuration;
using UserApi.Redis;

namespace UserApi.Sessions;

/// <summary>
/// Sessions in Redis: all sessions of a user in one string key, <c>sessions:{s&lt;shard&gt;}:&lt;id&gt;</c>, expiring with
/// the last of them. One key per user rather than a hash per session plus an index keeps a session at
/// a few hundred bytes (a Redis key costs about a hundred bytes before its value, and a hash holding a
/// user agent longer than 64 bytes leaves Redis's compact encoding). Every change is one Lua script
/// over that key and the revoked-sessions set of its slot, so it is atomic on a single node and on Redis
/// Cluster alike: a script that ends sessions records and publishes their revocation first, scored on Redis's
/// clock, so a client that gave up on the call (a timeout whose script still ran) never leaves an ended
/// session whose access tokens other instances accept.
/// </summary>
/// <remarks>
/// The value is one line per session, fields separated by tabs: id, refresh jti, previous refresh jti,
/// created, last used, expires (Unix milliseconds), IP, user agent, and <c>otp</c> when the login proved a second factor. Ids and jtis are base64url and the
/// IP and user agent are kept on one line (<see cref="Session.AsStored"/>), so a field never contains a separator.
/// Every time a script compares (expiry, idle timeout, reuse interval, the revocation's end and trim) is
/// Redis's <c>TIME</c>, never the caller's clock: one instance's skewed clock must not move another's checks.
/// </remarks>
public sealed class RedisSessionStore(IConnectionMultiplexer redis, IOptions<AuthOptions> options) : ISessionStore
{
    // Records written before sessions knew their second factor have the first eight fields only.
    private const int FieldCount = 9;
    private const int FieldCountWithoutSecondFactor = 8;
    private const string SecondFactorField = "otp";

    // Shared by every script: field positions, parsing, pruning and writing back the user's sessions.
    private const string Codec = RedisScript.Clock +
        """
        local SID, JTI, PREVIOUS, CREATED, LAST_USED, EXPIRES = 1, 2, 3, 4, 5, 6

        -- Records ids revoked until now + lifetime in the slot's revoked-sessions set (GT: an earlier
        -- revocation's later end stands), trims the ended ones and publishes them. Called before the sessions
        -- are deleted: a script that fails halfway keeps what it wrote, so it must fail towards revoked.
        local function revoke(revoked, ids, now, lifetime)
          if #ids == 0 then
            return '0'
          end
          local untilMs = string.format('%d', now + lifetime)
          local entries = {}
          for _, id in ipairs(ids) do
            entries[#entries + 1] = untilMs
            entries[#entries + 1] = id
          end
          redis.call('ZADD', revoked, 'GT', unpack(entries))
          redis.call('ZREMRANGEBYSCORE', revoked, '-inf', now)
          redis.call('PUBLISH', ARGV[1], untilMs .. ' ' .. table.concat(ids, ' '))
          return untilMs
        end

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

    // Every script: KEYS: sessions, revoked sessions. ARGV: the channel, the revocation's lifetime ms, then its own.

    // ARGV: max sessions, the new session's fields. Returns {until or '0', evicted ids...}.
    private static readonly RedisScript CreateScript = new(Codec +
        """
        local now = clock()
        local sessions = live(KEYS[1], now)
        sessions[#sessions + 1] = {unpack(ARGV, 4)}
        table.sort(sessions, function(a, b) return tonumber(a[CREATED]) < tonumber(b[CREATED]) end)
        local evicted = {}
        while #sessions > tonumber(ARGV[3]) do
          evicted[#evicted + 1] = table.remove(sessions, 1)[SID]
        end
        local untilMs = revoke(KEYS[2], evicted, now, tonumber(ARGV[2]))
        save(KEYS[1], sessions)
        return {untilMs, unpack(evicted)}
        """);

    // ARGV: sid, presented jti, next jti, reuse interval ms, idle timeout ms.
    // Returns {status, record, until}: 0 not found, 1 rotated, 2 reused (ended), 3 replayed within the grace window.
    private static readonly RedisScript RotateScript = new(Codec +
        """
        local now = clock()
        local sessions = live(KEYS[1], now)
        local i, s = find(sessions, ARGV[3])
        if not s then
          return {0}
        end
        local idle = tonumber(ARGV[7])
        if idle > 0 and now - tonumber(s[LAST_USED]) > idle then
          table.remove(sessions, i)
          save(KEYS[1], sessions)
          return {0}
        end
        if s[JTI] == ARGV[4] then
          s[PREVIOUS], s[JTI], s[LAST_USED] = s[JTI], ARGV[5], string.format('%d', now)
          save(KEYS[1], sessions)
          return {1, table.concat(s, '\t')}
        end
        local interval = tonumber(ARGV[6])
        if interval > 0 and s[PREVIOUS] ~= '' and s[PREVIOUS] == ARGV[4] and now - tonumber(s[LAST_USED]) <= interval then
          return {3, table.concat(s, '\t')}
        end
        local untilMs = revoke(KEYS[2], {s[SID]}, now, tonumber(ARGV[2]))
        table.remove(sessions, i)
        save(KEYS[1], sessions)
        return {2, table.concat(s, '\t'), untilMs}
        """);

    // ARGV: sid to keep (may be empty), sids to end (none: every other). Records the sids named even when the
    // user no longer has them (a refresh may be racing the revocation), else those ended.
    // Returns {until or '0', ids ended...}.
    private static readonly RedisScript RevokeScript = new(Codec +
        """
        local now = clock()
        local sessions = live(KEYS[1], now)
        local named = {unpack(ARGV, 4)}
        local doomed = {}
        for _, sid in ipairs(named) do
          doomed[sid] = true
        end
        local kept, ended = {}, {}
        for _, s in ipairs(sessions) do
          if s[SID] == ARGV[3] or (#named > 0 and not doomed[s[SID]]) then
            kept[#kept + 1] = s
          else
            ended[#ended + 1] = s[SID]
          end
        end
        local untilMs = revoke(KEYS[2], #named > 0 and named or ended, now, tonumber(ARGV[2]))
        save(KEYS[1], kept)
        return {untilMs, unpack(ended)}
        """);

    private IDatabase Database => redis.GetDatabase();

    public async Task<EndedSessions> CreateAsync(Session session, int maxSessions, CancellationToken cancellationToken)
    {
        session = session.AsStored();
        var result = await CreateScript.EvaluateAsync(Database, Keys(session.UserId), [.. Common, maxSessions, .. Fields(session)]);
        return Ended((string[])result!);
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
        var result = await RotateScript.EvaluateAsync(Database, Keys(userId),
        [
            .. Common, sessionId, presentedJti, nextJti,
            (long)policy.ReuseInterval.TotalMilliseconds, (long)policy.IdleTimeout.TotalMilliseconds,
        ]);
        var parts = (string[])result!;
        var session = parts.Length > 1 ? Parse(userId, parts[1].Split('\t')) : null;
        return parts[0] switch
        {
            "1" => new RotationResult(RotationStatus.Rotated, session),
            "2" => new RotationResult(RotationStatus.Reused, session, Time(parts[2])),
            "3" => new RotationResult(RotationStatus.Replayed, session),
            _ => new RotationResult(RotationStatus.NotFound, null),
        };
    }

    public Task<EndedSessions> RevokeAsync(long userId, string sessionId, CancellationToken cancellationToken) =>
        RevokeAsync(userId, keep: "", [sessionId]);

    public Task<EndedSessions> RevokeAllAsync(long userId, string? exceptSessionId, CancellationToken cancellationToken) =>
        RevokeAsync(userId, keep: exceptSessionId ?? "", []);

    private async Task<EndedSessions> RevokeAsync(long userId, string keep, string[] sessionIds)
    {
        var result = await RevokeScript.EvaluateAsync(Database, Keys(userId), [.. Common, keep, .. sessionIds.Select(id => (RedisValue)id)]);
        return Ended((string[])result!);
    }

    private static RedisKey[] Keys(long userId) => [RedisKeys.Sessions(userId), RedisKeys.RevokedSessionsOf(userId)];

    /// <summary>The arguments every script starts with: where to publish, and how long a revocation must last.</summary>
    private RedisValue[] Common =>
        [RedisKeys.SessionRevokedChannelName, (long)options.Value.RevocationLifetime.TotalMilliseconds];

    /// <summary>A script's <c>{until or '0', ids...}</c>: ids recorded revoked until then.</summary>
    private static EndedSessions Ended(string[] result) =>
        result[0] == "0" ? new EndedSessions(result[1..], null) : new EndedSessions(result[1..], Time(result[0]));

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
        session.SecondFactor ? SecondFactorField : "",
    ];

    private static Session Parse(long userId, string[] fields)
    {
        if (fields.Length is not (FieldCount or FieldCountWithoutSecondFactor))
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
            NullIfEmpty(fields[7]))
        {
            SecondFactor = fields.Length == FieldCount && fields[8] == SecondFactorField,
        };
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private static long Milliseconds(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    private static DateTimeOffset Time(string milliseconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(milliseconds, CultureInfo.InvariantCulture));
}
