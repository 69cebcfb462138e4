using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using UserApi.Infrastructure;
using UserApi.Redis;

namespace UserApi.Sessions;

/// <summary>
/// Revocations shared through Redis: the session scripts (<see cref="RedisSessionStore"/>) add each to the
/// revoked-sessions set of its shard, scored on Redis's clock by when the last access token of the session
/// expires, and publish it on <c>session-revoked</c>; every instance applies the messages to its
/// <see cref="RevocationList"/>, and re-reads the sets at start-up and after every reconnect, so a message
/// missed while disconnected is not a revocation missed.
/// </summary>
public sealed class RedisRevocationFeed(
    IConnectionMultiplexer redis,
    RevocationList revocations,
    ILogger<RedisRevocationFeed> logger) : IRevocationFeed
{
    // KEYS: a revoked-sessions set. Returns {Redis's now, {id, score, ...}}: the revocations not yet ended.
    private static readonly RedisScript ReadScript = new(RedisScript.Clock +
        """
        local now = clock()
        return {string.format('%d', now), redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. string.format('%d', now), '+inf', 'WITHSCORES')}
        """);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await redis.GetSubscriber().SubscribeAsync(RedisKeys.SessionRevokedChannel, (_, message) => Apply(message));
        redis.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                _ = ResyncAsync();
            }
        };
        await ResyncAsync();
    }

    private async Task ResyncAsync()
    {
        try
        {
            var database = redis.GetDatabase();
            var reads = await Task.WhenAll(Enumerable.Range(0, RedisKeys.SessionShards).Select(shard =>
                ReadScript.EvaluateAsync(database, [RedisKeys.RevokedSessions(shard)], [])));
            var count = 0;
            foreach (var read in reads)
            {
                var entries = (string[])((RedisResult[])read!)[1]!;
                for (var i = 0; i + 1 < entries.Length; i += 2)
                {
                    revocations.Add(entries[i], DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(entries[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture)));
                }
                count += entries.Length / 2;
            }
            logger.LogInformation("Loaded {Count} revoked sessions from Redis", count);
        }
        catch (Exception e) when (StoreOutage.IsRedis(e))
        {
            logger.LogWarning("Could not load revoked sessions from Redis; will retry on reconnect: {Error}", e.Message);
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
