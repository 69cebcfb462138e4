using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using UserApi.Diagnostics;
using UserApi.Infrastructure;
using UserApi.Redis;

namespace UserApi.Users;

/// <summary>
/// go-zero's goctl "model with cache" over the SQL store: cache-aside reads by id and by normalised
/// username (the username key holds the id, as goctl's unique-index keys hold the primary key), a
/// <c>"*"</c> placeholder for rows that do not exist (cache-penetration guard), expiries with ±5 % jitter
/// (no avalanche of simultaneous expiries), one database load per key however many callers miss at once
/// (single flight), and invalidation of the affected keys after every committed write (<see cref="UserCacheCleaner"/>).
/// </summary>
/// <remarks>
/// A loaded row is written back only if the key still holds what the reader found before loading (nothing, or the
/// same tombstone): a write committed meanwhile has left a new tombstone, and the stale copy does not land. Rows live
/// minutes, not goctl's 7 days, which bounds what an invalidation lost for good (a process killed while Redis was
/// away) can serve; the password hash is not cached at all (<see cref="Credentials"/> are read from the database).
/// Redis failures never fail a read: the row comes from the database and the cache is bypassed for a few seconds;
/// an invalidation Redis refused is retried before the cache is read again and every second.
/// (Microsoft's HybridCache was considered; it has no not-found placeholder with its own expiry and stores its
/// own binary format, not goctl's keys.)
/// </remarks>
public sealed class CachedUserStore : IUserStore
{
    /// <summary>Rows for 5 minutes (see docs/design.md §4.2), "not found" for 1 minute.</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan NotFoundExpiry = TimeSpan.FromMinutes(1);
    public const double ExpiryDeviation = 0.05;
    public const string NotFoundPlaceholder = "*";

    private static readonly TimeSpan OutageBypass = TimeSpan.FromSeconds(5);

    /// <summary>Stores the loaded payload only if the key still holds what was read before the load (ARGV[1], empty: nothing).</summary>
    private static readonly RedisScript WriteBackScript = new(
        """
        local current = redis.call('GET', KEYS[1])
        if (current or '') ~= ARGV[1] then
          return 0
        end
        redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
        return 1
        """);

    private readonly IUserStore _database;
    private readonly IConnectionMultiplexer _redis;
    private readonly UserCacheCleaner _cleaner;
    private readonly TimeProvider _time;
    private readonly UserApiMetrics _metrics;
    private readonly ILogger<CachedUserStore> _logger;
    private readonly ConcurrentDictionary<string, Lazy<Task<string?>>> _flights = new(StringComparer.Ordinal);
    private long _bypassUntilTicks;

    public CachedUserStore(IUserStore database, IConnectionMultiplexer redis, UserCacheCleaner cleaner, TimeProvider time, UserApiMetrics metrics, ILogger<CachedUserStore> logger)
    {
        _database = database;
        _redis = redis;
        _cleaner = cleaner;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        cleaner.Failed += Failed;
    }

    public async Task<User?> FindByIdAsync(long id, CancellationToken cancellationToken)
    {
        var payload = await GetOrLoadAsync(RedisKeys.UserById(id), async () =>
            await _database.FindByIdAsync(id, CancellationToken.None) is { } user ? Serialize(user) : null);
        return payload is null ? null : Deserialize(payload);
    }

    public async Task<User?> FindByUsernameAsync(string usernameNormalized, CancellationToken cancellationToken)
    {
        var payload = await GetOrLoadAsync(RedisKeys.UserByUsername(usernameNormalized), async () =>
            (await _database.FindByUsernameAsync(usernameNormalized, CancellationToken.None))?.Id.ToString(CultureInfo.InvariantCulture));
        return payload is null ? null : await FindByIdAsync(long.Parse(payload, CultureInfo.InvariantCulture), cancellationToken);
    }

    public async Task<User?> CreateAsync(NewUser user, CancellationToken cancellationToken)
    {
        var created = await _database.CreateAsync(user, cancellationToken);
        if (created is not null)
        {
            // Both keys may hold the not-found placeholder from an earlier look-up.
            await _cleaner.InvalidateAsync(RedisKeys.UserByUsername(created.UsernameNormalized), RedisKeys.UserById(created.Id));
        }
        return created;
    }

    public async Task UpdatePasswordHashAsync(long id, string passwordHash, bool passwordChanged, DateTime now, CancellationToken cancellationToken)
    {
        await _database.UpdatePasswordHashAsync(id, passwordHash, passwordChanged, now, cancellationToken);
        await _cleaner.InvalidateAsync(RedisKeys.UserById(id));
    }

    public async Task SetDisabledAsync(long id, bool disabled, DateTime now, CancellationToken cancellationToken)
    {
        await _database.SetDisabledAsync(id, disabled, now, cancellationToken);
        await _cleaner.InvalidateAsync(RedisKeys.UserById(id));
    }

    public async Task EndSessionsAsync(long id, DateTime at, string? keptSessionId, CancellationToken cancellationToken)
    {
        await _database.EndSessionsAsync(id, at, keptSessionId, cancellationToken);
        await _cleaner.InvalidateAsync(RedisKeys.UserById(id));
    }

    public async Task<bool> SetEmailAsync(long id, string? email, string? emailNormalized, DateTime now, CancellationToken cancellationToken)
    {
        var set = await _database.SetEmailAsync(id, email, emailNormalized, now, cancellationToken);
        await _cleaner.InvalidateAsync(RedisKeys.UserById(id));
        return set;
    }

    public async Task<bool> MarkEmailVerifiedAsync(long id, string emailNormalized, DateTime now, CancellationToken cancellationToken)
    {
        var marked = await _database.MarkEmailVerifiedAsync(id, emailNormalized, now, cancellationToken);
        await _cleaner.InvalidateAsync(RedisKeys.UserById(id));
        return marked;
    }

    public Task<Mailbox?> FindMailboxAsync(string? usernameNormalized, string? emailNormalized, CancellationToken cancellationToken) =>
        _database.FindMailboxAsync(usernameNormalized, emailNormalized, cancellationToken);

    public Task<SessionCutoff?> ReadSessionCutoffAsync(long id, CancellationToken cancellationToken) =>
        _database.ReadSessionCutoffAsync(id, cancellationToken);

    public Task<Credentials?> ReadCredentialsAsync(long id, CancellationToken cancellationToken) =>
        _database.ReadCredentialsAsync(id, cancellationToken);

    public async Task SetRoleAsync(long id, string role, DateTime now, CancellationToken cancellationToken)
    {
        await _database.SetRoleAsync(id, role, now, cancellationToken);
        await _cleaner.InvalidateAsync(RedisKeys.UserById(id));
    }

    public Task<User?> ReadAsync(long id, CancellationToken cancellationToken) => _database.ReadAsync(id, cancellationToken);

    public Task<IReadOnlyList<User>> ListAsync(string usernamePrefix, long afterId, int limit, CancellationToken cancellationToken) =>
        _database.ListAsync(usernamePrefix, afterId, limit, cancellationToken);

    public Task RecordLoginAsync(long id, DateTime at, CancellationToken cancellationToken) => _database.RecordLoginAsync(id, at, cancellationToken);

    public Task EndEverySessionAsync(DateTime at, CancellationToken cancellationToken) => _database.EndEverySessionAsync(at, cancellationToken);

    public Task<DateTime?> ReadEverySessionEndedAtAsync(CancellationToken cancellationToken) => _database.ReadEverySessionEndedAtAsync(cancellationToken);

    public async Task DeleteAsync(User user, CancellationToken cancellationToken)
    {
        await _database.DeleteAsync(user, cancellationToken);
        await _cleaner.InvalidateAsync(RedisKeys.UserById(user.Id), RedisKeys.UserByUsername(user.UsernameNormalized));
    }

    /// <summary>The cached payload of a key, or the loaded one (null: the row does not exist).</summary>
    private async Task<string?> GetOrLoadAsync(RedisKey key, Func<Task<string?>> load)
    {
        string? seen = null;
        if (await CacheUsableAsync())
        {
            try
            {
                var cached = await _redis.GetDatabase().StringGetAsync(key);
                if (cached.HasValue && !UserCacheCleaner.IsTombstone(cached))
                {
                    _metrics.CacheHits.Add(1);
                    return cached == NotFoundPlaceholder ? null : (string?)cached;
                }
                seen = cached.HasValue ? (string)cached! : "";
            }
            catch (Exception e) when (StoreOutage.IsRedis(e))
            {
                Failed(e);
            }
        }

        _metrics.CacheMisses.Add(1);
        // Callers that saw different tombstones do not share a load: one that began before a write may not answer
        // a caller who saw the write's tombstone.
        var flightKey = $"{(string)key!}\n{seen}";
        var flight = _flights.GetOrAdd(flightKey, _ => new Lazy<Task<string?>>(() => LoadAndStoreAsync(key, seen, load)));
        try
        {
            return await flight.Value;
        }
        finally
        {
            _flights.TryRemove(KeyValuePair.Create(flightKey, flight));
        }
    }

    /// <summary>Loads the payload and writes it back unless the key changed since <paramref name="seen"/> was read (null: Redis was not read).</summary>
    private async Task<string?> LoadAndStoreAsync(RedisKey key, string? seen, Func<Task<string?>> load)
    {
        var payload = await load();
        if (seen is not null && await CacheUsableAsync())
        {
            try
            {
                var expiry = payload is null ? NotFoundExpiry : Jittered(Expiry);
                await WriteBackScript.EvaluateAsync(_redis.GetDatabase(), [key],
                    [seen, payload ?? NotFoundPlaceholder, (long)expiry.TotalMilliseconds]);
            }
            catch (Exception e) when (StoreOutage.IsRedis(e))
            {
                Failed(e);
            }
        }
        return payload;
    }

    private async ValueTask<bool> CacheUsableAsync()
    {
        if (_time.GetUtcNow().UtcTicks < Interlocked.Read(ref _bypassUntilTicks))
        {
            return false;
        }
        return _cleaner.IsEmpty || await _cleaner.FlushAsync();
    }

    private void Failed(Exception exception)
    {
        _metrics.CacheErrors.Add(1);
        Interlocked.Exchange(ref _bypassUntilTicks, (_time.GetUtcNow() + OutageBypass).UtcTicks);
        _logger.LogWarning("User cache unavailable, reading from the database for {Seconds} s: {Error}", OutageBypass.TotalSeconds, exception.Message);
    }

    public static TimeSpan Jittered(TimeSpan expiry) =>
        expiry * (1 + ((Random.Shared.NextDouble() * 2) - 1) * ExpiryDeviation);

    private static string Serialize(User user) => JsonSerializer.Serialize(user, UserCacheJsonContext.Default.User);

    private static User Deserialize(string payload) => JsonSerializer.Deserialize(payload, UserCacheJsonContext.Default.User)!;
}

[JsonSerializable(typeof(User))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class UserCacheJsonContext : JsonSerializerContext;
