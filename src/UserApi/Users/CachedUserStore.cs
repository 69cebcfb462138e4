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
/// (single flight), and deletion of the affected keys after every committed write.
/// </summary>
/// <remarks>
/// Redis failures never fail a read: the row comes from the database and the cache is bypassed for a few
/// seconds. A key that could not be deleted after a write is remembered and deleted before the cache is
/// read again, so nothing stale is served once Redis is back. (Microsoft's HybridCache was considered; it
/// has no not-found placeholder with its own expiry and stores its own binary format, not goctl's keys.)
/// </remarks>
public sealed class CachedUserStore(
    IUserStore database,
    IConnectionMultiplexer redis,
    TimeProvider time,
    UserApiMetrics metrics,
    ILogger<CachedUserStore> logger) : IUserStore
{
    /// <summary>goctl's defaults: rows for 7 days, "not found" for 1 minute.</summary>
    public static readonly TimeSpan Expiry = TimeSpan.FromDays(7);
    public static readonly TimeSpan NotFoundExpiry = TimeSpan.FromMinutes(1);
    public const double ExpiryDeviation = 0.05;
    public const string NotFoundPlaceholder = "*";

    private static readonly TimeSpan OutageBypass = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, Lazy<Task<string?>>> _flights = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _pendingDeletes = new(StringComparer.Ordinal);
    private long _bypassUntilTicks;

    public async Task<User?> FindByIdAsync(long id, CancellationToken cancellationToken)
    {
        var payload = await GetOrLoadAsync(RedisKeys.UserById(id), async () =>
            await database.FindByIdAsync(id, CancellationToken.None) is { } user ? Serialize(user) : null);
        return payload is null ? null : Deserialize(payload);
    }

    public async Task<User?> FindByUsernameAsync(string usernameNormalized, CancellationToken cancellationToken)
    {
        var payload = await GetOrLoadAsync(RedisKeys.UserByUsername(usernameNormalized), async () =>
            (await database.FindByUsernameAsync(usernameNormalized, CancellationToken.None))?.Id.ToString(CultureInfo.InvariantCulture));
        return payload is null ? null : await FindByIdAsync(long.Parse(payload, CultureInfo.InvariantCulture), cancellationToken);
    }

    public async Task<User?> CreateAsync(NewUser user, CancellationToken cancellationToken)
    {
        var created = await database.CreateAsync(user, cancellationToken);
        if (created is not null)
        {
            // Both keys may hold the not-found placeholder from an earlier look-up.
            await DeleteAsync(RedisKeys.UserByUsername(created.UsernameNormalized), RedisKeys.UserById(created.Id));
        }
        return created;
    }

    public async Task UpdatePasswordHashAsync(long id, string passwordHash, bool passwordChanged, DateTime now, CancellationToken cancellationToken)
    {
        await database.UpdatePasswordHashAsync(id, passwordHash, passwordChanged, now, cancellationToken);
        await DeleteAsync(RedisKeys.UserById(id));
    }

    public async Task SetDisabledAsync(long id, bool disabled, DateTime now, CancellationToken cancellationToken)
    {
        await database.SetDisabledAsync(id, disabled, now, cancellationToken);
        await DeleteAsync(RedisKeys.UserById(id));
    }

    public async Task EndSessionsAsync(long id, DateTime at, string? keptSessionId, CancellationToken cancellationToken)
    {
        await database.EndSessionsAsync(id, at, keptSessionId, cancellationToken);
        await DeleteAsync(RedisKeys.UserById(id));
    }

    public Task<SessionCutoff?> ReadSessionCutoffAsync(long id, CancellationToken cancellationToken) =>
        database.ReadSessionCutoffAsync(id, cancellationToken);

    public async Task DeleteAsync(User user, CancellationToken cancellationToken)
    {
        await database.DeleteAsync(user, cancellationToken);
        await DeleteAsync(RedisKeys.UserById(user.Id), RedisKeys.UserByUsername(user.UsernameNormalized));
    }

    /// <summary>The cached payload of a key, or the loaded one (null: the row does not exist).</summary>
    private async Task<string?> GetOrLoadAsync(RedisKey key, Func<Task<string?>> load)
    {
        if (await CacheUsableAsync())
        {
            try
            {
                var cached = await redis.GetDatabase().StringGetAsync(key);
                if (cached.HasValue)
                {
                    metrics.CacheHits.Add(1);
                    return cached == NotFoundPlaceholder ? null : (string?)cached;
                }
            }
            catch (Exception e) when (StoreOutage.IsRedis(e))
            {
                Failed(e);
            }
        }

        metrics.CacheMisses.Add(1);
        var flight = _flights.GetOrAdd(key!, _ => new Lazy<Task<string?>>(() => LoadAndStoreAsync(key, load)));
        try
        {
            return await flight.Value;
        }
        finally
        {
            _flights.TryRemove(KeyValuePair.Create((string)key!, flight));
        }
    }

    private async Task<string?> LoadAndStoreAsync(RedisKey key, Func<Task<string?>> load)
    {
        var payload = await load();
        if (await CacheUsableAsync())
        {
            try
            {
                await redis.GetDatabase().StringSetAsync(key, payload ?? NotFoundPlaceholder, payload is null ? NotFoundExpiry : Jittered(Expiry));
            }
            catch (Exception e) when (StoreOutage.IsRedis(e))
            {
                Failed(e);
            }
        }
        return payload;
    }

    private async Task DeleteAsync(params RedisKey[] keys)
    {
        foreach (var key in keys)
        {
            _pendingDeletes[key!] = 0;
        }
        await FlushPendingDeletesAsync();
    }

    /// <summary>Deletes every key a write invalidated; false while Redis cannot be reached.</summary>
    private async Task<bool> FlushPendingDeletesAsync()
    {
        try
        {
            // One command per key: the keys live in different Redis Cluster slots.
            var database = redis.GetDatabase();
            var keys = _pendingDeletes.Keys.ToList();
            await Task.WhenAll(keys.Select(k => database.KeyDeleteAsync(k)));
            foreach (var key in keys)
            {
                _pendingDeletes.TryRemove(key, out _);
            }
            return true;
        }
        catch (Exception e) when (StoreOutage.IsRedis(e))
        {
            Failed(e);
            return false;
        }
    }

    private async ValueTask<bool> CacheUsableAsync()
    {
        if (time.GetUtcNow().UtcTicks < Interlocked.Read(ref _bypassUntilTicks))
        {
            return false;
        }
        return _pendingDeletes.IsEmpty || await FlushPendingDeletesAsync();
    }

    private void Failed(Exception exception)
    {
        metrics.CacheErrors.Add(1);
        Interlocked.Exchange(ref _bypassUntilTicks, (time.GetUtcNow() + OutageBypass).UtcTicks);
        logger.LogWarning("User cache unavailable, reading from the database for {Seconds} s: {Error}", OutageBypass.TotalSeconds, exception.Message);
    }

    public static TimeSpan Jittered(TimeSpan expiry) =>
        expiry * (1 + ((Random.Shared.NextDouble() * 2) - 1) * ExpiryDeviation);

    private static string Serialize(User user) => JsonSerializer.Serialize(user, UserCacheJsonContext.Default.User);

    private static User Deserialize(string payload) => JsonSerializer.Deserialize(payload, UserCacheJsonContext.Default.User)!;
}

[JsonSerializable(typeof(User))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class UserCacheJsonContext : JsonSerializerContext;
