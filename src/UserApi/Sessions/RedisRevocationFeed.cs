using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using UserApi.Infrastructure;
using UserApi.Redis;

namespace UserApi.Sessions;

/// <summary>
/// Revocations shared through Redis: each is added to the <c>revoked-sessions</c> sorted set (scored by
/// when the last access token of the session expires) and published on <c>session-revoked</c>. Every
/// instance applies the messages to its <see cref="RevocationList"/>, and re-reads the set at start-up
/// and after every reconnect, so a message missed while disconnected is not a revocation missed.
/// </summary>
public sealed class RedisRevocationFeed(
    IConnectionMultiplexer redis,
    RevocationList revocations,
    TimeProvider time,
    ILogger<RedisRevocationFeed> logger) : IRevocationFeed
{
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

    public async Task PublishAsync(IReadOnlyCollection<string> sessionIds, DateTimeOffset until, CancellationToken cancellationToken)
    {
        if (sessionIds.Count == 0)
        {
            return;
        }
        var untilMs = until.ToUnixTimeMilliseconds();
        var database = redis.GetDatabase();
        await database.SortedSetAddAsync(RedisKeys.RevokedSessions, [.. sessionIds.Select(id => new SortedSetEntry(id, untilMs))]);
        await database.SortedSetRemoveRangeByScoreAsync(RedisKeys.RevokedSessions, double.NegativeInfinity, time.GetUtcNow().ToUnixTimeMilliseconds());
        await redis.GetSubscriber().PublishAsync(RedisKeys.SessionRevokedChannel, $"{untilMs} {string.Join(' ', sessionIds)}");
    }

    private async Task ResyncAsync()
    {
        try
        {
            var entries = await redis.GetDatabase().SortedSetRangeByScoreWithScoresAsync(
                RedisKeys.RevokedSessions, time.GetUtcNow().ToUnixTimeMilliseconds(), double.PositiveInfinity);
            foreach (var entry in entries)
            {
                revocations.Add(entry.Element!, DateTimeOffset.FromUnixTimeMilliseconds((long)entry.Score));
            }
            logger.LogInformation("Loaded {Count} revoked sessions from Redis", entries.Length);
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
