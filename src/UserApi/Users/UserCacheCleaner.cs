using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using UserApi.Infrastructure;
using UserApi.Redis;

namespace UserApi.Users;

/// <summary>
/// Invalidates user-cache keys after committed writes, as go-zero's cache cleaner does: an invalidation that Redis
/// refused is kept and retried every <see cref="RetryInterval"/>, and what is still pending when the process stops is
/// tried once more (<see cref="DrainAsync"/>), rather than left to the key's expiry.
/// </summary>
/// <remarks>
/// An invalidation writes a tombstone, <c>!</c> and a value never written before, instead of deleting the key: a
/// reader that loaded the row before the write may store its copy only while the key still holds what the reader saw
/// before loading (<see cref="CachedUserStore"/>), and a fresh tombstone is never what it saw. A delete would leave the
/// key empty, as the reader may have seen it, and the stale copy would land (goctl's cache-aside race). Tombstones
/// compare by identity, not by a time: the writers' clocks do not matter.
/// </remarks>
public sealed class UserCacheCleaner : IDisposable
{
    public const char TombstoneMark = '!';

    /// <summary>Longer than any load may take (a database command times out after 30 s), so a reader in flight always finds its tombstone.</summary>
    public static readonly TimeSpan TombstoneLifetime = TimeSpan.FromMinutes(2);

    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private readonly IConnectionMultiplexer _redis;
    private readonly ILogger<UserCacheCleaner> _logger;
    private readonly ConcurrentDictionary<string, long> _pending = new(StringComparer.Ordinal);
    private long _invalidations;
    private readonly ITimer _retry;
    private readonly SemaphoreSlim _flushing = new(1, 1);

    public UserCacheCleaner(IConnectionMultiplexer redis, TimeProvider time, ILogger<UserCacheCleaner> logger)
    {
        _redis = redis;
        _logger = logger;
        _retry = time.CreateTimer(_ => _ = RetryAsync(), null, RetryInterval, RetryInterval);
    }

    /// <summary>Raised when Redis refused an invalidation (the store then bypasses the cache for a while).</summary>
    public event Action<Exception>? Failed;

    public bool IsEmpty => _pending.IsEmpty;

    public int PendingCount => _pending.Count;

    public static bool IsTombstone(RedisValue value) => value.HasValue && ((string)value!).StartsWith(TombstoneMark);

    /// <summary>Invalidates the keys now; false when Redis refused, and the keys stay pending for the timer.</summary>
    public async Task<bool> InvalidateAsync(params RedisKey[] keys)
    {
        foreach (var key in keys)
        {
            _pending[key!] = Interlocked.Increment(ref _invalidations);
        }
        return await FlushAsync();
    }

    /// <summary>Writes every pending tombstone; false while Redis cannot be reached.</summary>
    public async Task<bool> FlushAsync()
    {
        if (_pending.IsEmpty)
        {
            return true;
        }
        await _flushing.WaitAsync();
        try
        {
            // One command per key: the keys live in different Redis Cluster slots.
            var database = _redis.GetDatabase();
            var invalidations = _pending.ToList();
            await Task.WhenAll(invalidations.Select(i => database.StringSetAsync(i.Key, TombstoneMark + Ids.New(), TombstoneLifetime)));
            foreach (var invalidation in invalidations)
            {
                // A key invalidated again meanwhile (another write) stays pending: its tombstone may predate that write.
                _pending.TryRemove(invalidation);
            }
            return true;
        }
        catch (Exception e) when (StoreOutage.IsRedis(e))
        {
            Failed?.Invoke(e);
            return false;
        }
        finally
        {
            _flushing.Release();
        }
    }

    /// <summary>At shutdown: retries the pending invalidations until they are written or <paramref name="cancellationToken"/> fires.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        while (!await FlushAsync())
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Only the count: the keys name users.
                _logger.LogWarning("Stopping with {Count} user-cache invalidations not written; those rows may be served from Redis until they expire", _pending.Count);
                return;
            }
        }
    }

    private async Task RetryAsync()
    {
        if (!_pending.IsEmpty && await FlushAsync())
        {
            _logger.LogInformation("Pending user-cache invalidations written");
        }
    }

    // The semaphore is left to the collector: a retry already running may still release it.
    public void Dispose() => _retry.Dispose();
}
