using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using UserApi.Configuration;
using UserApi.Diagnostics;
using UserApi.Infrastructure;
using UserApi.Redis;

namespace UserApi.Sessions;

/// <summary>
/// Revocations shared through Redis: the session scripts (<see cref="RedisSessionStore"/>) add each to the
/// revoked-sessions set of its shard, scored on Redis's clock by when the last access token of the session
/// expires, and publish it on <c>session-revoked</c>; every instance applies the messages to its
/// <see cref="RevocationList"/>. Because a message can be lost (a disconnect, a full output buffer), the
/// instance also re-reads the sets: in full at start-up, then every <c>Auth.RevocationResyncInterval</c>
/// seconds and after each reconnect (of the subscription or of the connection the reads use), only what was
/// scored since its last read (with an overlap).
/// </summary>
/// <remarks>
/// Fail closed: until a read has succeeded, and again from the first failed one until the next success
/// (retried with backoff), the list is marked incomplete, so access tokens are answered 503 and the instance
/// is not ready. A lost message therefore costs at most one interval plus the read.
/// </remarks>
public sealed class RedisRevocationFeed(
    IConnectionMultiplexer redis,
    RevocationList revocations,
    IOptions<AuthOptions> options,
    TimeProvider time,
    UserApiMetrics metrics,
    ILogger<RedisRevocationFeed> logger) : IRevocationFeed, IDisposable
{
    /// <summary>
    /// Re-read before the last read's time: a failover to a replica whose clock is behind, or an instance
    /// configured with a shorter revocation lifetime, scores revocations lower than this instance expects.
    /// </summary>
    private static readonly TimeSpan ResyncOverlap = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(5);

    // KEYS: a revoked-sessions set. ARGV: the lowest score wanted. Returns {Redis's now, {id, score, ...}}:
    // the read and the clock it is measured by are one atomic step, so nothing scored later is skipped.
    private static readonly RedisScript ReadScript = new(RedisScript.Clock +
        """
        local now = clock()
        local from = math.max(now, tonumber(ARGV[1]))
        return {string.format('%d', now), redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. string.format('%d', from), '+inf', 'WITHSCORES')}
        """);

    // KEYS: the every-session-ended key. ARGV: Unix seconds. The time is at least Redis's own now, rounded up to the
    // second (the session scripts stamp refreshed tokens' iat by Redis's clock); it only moves forward, and every
    // instance is told. Returns the time set.
    private static readonly RedisScript EndEverySessionScript = new(RedisScript.Clock +
        $$"""
        local at = math.max(tonumber(ARGV[1]), math.floor((clock() + 999) / 1000))
        local current = tonumber(redis.call('GET', KEYS[1]) or '0')
        if at > current then
          redis.call('SET', KEYS[1], string.format('%d', at))
        else
          at = current
        end
        redis.call('PUBLISH', '{{RedisKeys.EverySessionEndedChannelName}}', string.format('%d', at))
        return string.format('%d', at)
        """);

    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _reading = new(1, 1);

    // Per shard (a cluster's shards live on nodes with their own clocks): Redis's time of the last good read; 0: none yet.
    private readonly long[] _readAt = new long[RedisKeys.SessionShards];
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTimeOffset _completeSince;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        revocations.MarkIncomplete();
        _completeSince = time.GetUtcNow();
        await redis.GetSubscriber().SubscribeAsync(RedisKeys.SessionRevokedChannel, (_, message) => Apply(message));
        await redis.GetSubscriber().SubscribeAsync(RedisKeys.EverySessionEndedChannel, (_, message) => ApplyEverySessionEnded(message));
        // Read at once when either connection returns: the subscription, because messages may have been lost
        // while it was away; the interactive one, because the reads go through it. After a Redis restart the
        // subscription often returns first, the read it prompts fails, and the next retry came only up to
        // LastRetry later (scripts/faults.sh, scenario 3: ready 5.5-6.9 s after Redis was back).
        redis.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType is ConnectionType.Subscription or ConnectionType.Interactive)
            {
                Volatile.Read(ref _wake).TrySetResult();
            }
        };
        if (!await TryReadAsync())
        {
            logger.LogWarning("Access tokens are refused (503) until the revoked sessions are loaded; retrying");
        }
        _ = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
    }

    public async Task<DateTimeOffset> PublishEverySessionEndedAsync(DateTimeOffset at)
    {
        var set = await EndEverySessionScript.EvaluateAsync(redis.GetDatabase(), [RedisKeys.EverySessionEnded], [at.ToUnixTimeSeconds()]);
        return DateTimeOffset.FromUnixTimeSeconds(long.Parse((string)set!, NumberStyles.Integer, CultureInfo.InvariantCulture));
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var period = TimeSpan.FromSeconds(options.Value.RevocationResyncInterval);
        var retry = FirstRetry;
        while (!stopping.IsCancellationRequested)
        {
            var wake = Volatile.Read(ref _wake);
            try
            {
                await Task.WhenAny(Task.Delay(revocations.IsComplete ? period : Jittered(retry), time, stopping), wake.Task);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            if (stopping.IsCancellationRequested)
            {
                return;
            }
            if (wake.Task.IsCompleted)
            {
                Interlocked.CompareExchange(ref _wake, new(TaskCreationOptions.RunContinuationsAsynchronously), wake);
            }
            bool read;
            try
            {
                read = await TryReadAsync();
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                // A bug must not stop the reads and leave the list trusted: fail closed and keep trying.
                revocations.MarkIncomplete();
                logger.LogError(e, "Reading the revoked sessions failed unexpectedly; access tokens are refused (503) until a read succeeds");
                read = false;
            }
            retry = read ? FirstRetry : TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
        }
    }

    /// <summary>Reads what every shard scored since its last read; false (and the list incomplete) when any read failed.</summary>
    private async Task<bool> TryReadAsync()
    {
        await _reading.WaitAsync();
        try
        {
            var lifetime = (long)options.Value.RevocationLifetime.TotalMilliseconds;
            var overlap = (long)ResyncOverlap.TotalMilliseconds;
            var database = redis.GetDatabase();
            var reads = await Task.WhenAll(Enumerable.Range(0, RedisKeys.SessionShards).Select(shard =>
                ReadScript.EvaluateAsync(database, [RedisKeys.RevokedSessions(shard)], [_readAt[shard] == 0 ? 0 : _readAt[shard] + lifetime - overlap])));
            var count = 0;
            for (var shard = 0; shard < reads.Length; shard++)
            {
                var read = (RedisResult[])reads[shard]!;
                var entries = (string[])read[1]!;
                for (var i = 0; i + 1 < entries.Length; i += 2)
                {
                    revocations.Add(entries[i], DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(entries[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture)));
                }
                count += entries.Length / 2;
                _readAt[shard] = long.Parse((string)read[0]!, NumberStyles.Integer, CultureInfo.InvariantCulture);
            }
            ApplyEverySessionEnded(await database.StringGetAsync(RedisKeys.EverySessionEnded));
            if (!revocations.IsComplete)
            {
                logger.LogInformation("Loaded {Count} revoked sessions from Redis; access tokens are answered", count);
            }
            _completeSince = time.GetUtcNow();
            revocations.MarkComplete();
            metrics.RevocationSyncAge.Record(0);
            return true;
        }
        catch (Exception e) when (StoreOutage.IsRedis(e))
        {
            revocations.MarkIncomplete();
            metrics.RevocationResyncFailures.Add(1);
            metrics.RevocationSyncAge.Record((time.GetUtcNow() - _completeSince).TotalSeconds);
            logger.LogWarning("Could not read the revoked sessions from Redis; access tokens are refused (503) until a read succeeds: {Error}", e.Message);
            return false;
        }
        finally
        {
            _reading.Release();
        }
    }

    private static TimeSpan Jittered(TimeSpan delay) => delay * (0.5 + Random.Shared.NextDouble() / 2);

    private void ApplyEverySessionEnded(RedisValue seconds)
    {
        if (long.TryParse((string?)seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var at))
        {
            revocations.EndEverySession(DateTimeOffset.FromUnixTimeSeconds(at));
        }
    }

    private void Apply(RedisValue message)
    {
        var parts = ((string?)message ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var untilMs))
        {
            logger.LogWarning("Ignored a malformed session-revoked message");
            return;
        }
        var until = DateTimeOffset.FromUnixTimeMilliseconds(untilMs);
        foreach (var sessionId in parts.AsSpan(1))
        {
            revocations.Add(sessionId, until);
        }
    }
}
