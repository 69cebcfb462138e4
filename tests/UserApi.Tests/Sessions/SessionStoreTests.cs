using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using UserApi.Configuration;
using UserApi.Redis;
using UserApi.Sessions;
using UserApi.Tests.Support;

namespace UserApi.Tests.Sessions;

/// <summary>The embedded mode's store.</summary>
public sealed class InProcessSessionStoreTests : SessionStoreContract
{
    protected override ISessionStore Store { get; } = new InMemorySessionStore();
}

/// <summary>
/// The Redis store's own rules beyond the contract: every step that ends sessions records them in the
/// revoked-sessions set of the user's slot, on Redis's clock, and publishes them, in the same script; and a
/// caller's clock moves none of its checks.
/// </summary>
public abstract class RedisSessionStoreContract(IConnectionMultiplexer redis) : SessionStoreContract
{
    private static readonly AuthOptions Auth = new();

    protected override ISessionStore Store { get; } = new RedisSessionStore(redis, Options.Create(Auth));

    [Fact]
    public async Task EndingASessionRecordsItRevokedOnRedisTimeInItsSlotAndPublishesIt()
    {
        var user = NewUserId();
        var session = await CreateAsync(NewSession(user));
        var published = new ConcurrentQueue<string>();
        var subscription = await redis.GetSubscriber().SubscribeAsync(RedisKeys.SessionRevokedChannel);
        subscription.OnMessage(message => published.Enqueue((string)message.Message!));

        var before = Now();
        var ended = await Store.RevokeAsync(user, session.Id, None);
        var after = Now();

        Assert.Equal([session.Id], ended.Ids);
        Assert.InRange(ended.RevokedUntil!.Value, before + Auth.RevocationLifetime, after + Auth.RevocationLifetime);
        Assert.Equal(ended.RevokedUntil.Value.ToUnixTimeMilliseconds(), await ScoreAsync(user, session.Id));
        await Poll.UntilAsync(() => Task.FromResult(published.Contains($"{ended.RevokedUntil.Value.ToUnixTimeMilliseconds()} {session.Id}")), TimeSpan.FromSeconds(10));
        await subscription.UnsubscribeAsync();
    }

    [Fact]
    public async Task ASessionIdIsRecordedRevokedEvenWhenTheStoreNoLongerHadIt()
    {
        var user = NewUserId();
        var unknown = NewId();

        var ended = await Store.RevokeAsync(user, unknown, None);

        Assert.Empty(ended.Ids);
        Assert.Equal(ended.RevokedUntil!.Value.ToUnixTimeMilliseconds(), await ScoreAsync(user, unknown));
    }

    [Fact]
    public async Task ReuseEvictionAndRevokingAllRecordEverySessionTheyEnd()
    {
        var user = NewUserId();
        var reused = await CreateAsync(NewSession(user));
        var reuse = await Store.RotateAsync(user, reused.Id, NewId(), NewId(), Now(), Grace, None);
        Assert.Equal(RotationStatus.Reused, reuse.Status);
        Assert.Equal(reuse.RevokedUntil!.Value.ToUnixTimeMilliseconds(), await ScoreAsync(user, reused.Id));

        var oldest = await CreateAsync(NewSession(user, createdAfter: TimeSpan.FromSeconds(1)));
        var evicted = await Store.CreateAsync(NewSession(user, createdAfter: TimeSpan.FromSeconds(2)), maxSessions: 1, None);
        Assert.Equal([oldest.Id], evicted.Ids);
        Assert.Equal(evicted.RevokedUntil!.Value.ToUnixTimeMilliseconds(), await ScoreAsync(user, oldest.Id));

        var others = new[] { await CreateAsync(NewSession(user, createdAfter: TimeSpan.FromSeconds(3))), await CreateAsync(NewSession(user, createdAfter: TimeSpan.FromSeconds(4))) };
        var all = await Store.RevokeAllAsync(user, null, None);
        Assert.Equal(3, all.Ids.Count);
        foreach (var id in all.Ids)
        {
            Assert.Equal(all.RevokedUntil!.Value.ToUnixTimeMilliseconds(), await ScoreAsync(user, id));
        }
        Assert.Subset(all.Ids.ToHashSet(), others.Select(s => s.Id).ToHashSet());
    }

    [Fact]
    public async Task ARetryWithinTheReuseIntervalFromAnInstanceWhoseClockIsTenSecondsOffIsAReplay()
    {
        var user = NewUserId();
        var session = await CreateAsync(NewSession(user));
        var rotated = await Store.RotateAsync(user, session.Id, session.RefreshJti, NewId(), Now() - TimeSpan.FromSeconds(10), Grace, None);

        // The retry reaches another instance, 10 s fast: its clock must not turn the retry into a reuse.
        var retry = await Store.RotateAsync(user, session.Id, session.RefreshJti, NewId(), Now() + TimeSpan.FromSeconds(10), Grace, None);

        Assert.Equal(new RotationResult(RotationStatus.Replayed, rotated.Session), retry);
    }

    [Fact]
    public async Task ACallersClockNeitherExpiresNorIdlesASessionEarly()
    {
        var user = NewUserId();
        var idle = Grace with { IdleTimeout = TimeSpan.FromMinutes(1) };
        var session = await CreateAsync(NewSession(user));

        var rotation = await Store.RotateAsync(user, session.Id, session.RefreshJti, NewId(), session.ExpiresAt + TimeSpan.FromMinutes(20), idle, None);

        Assert.Equal(RotationStatus.Rotated, rotation.Status);
    }

    [Fact]
    public async Task ARecordWrittenBeforeSessionsKnewTheirSecondFactorReadsAsPasswordOnly()
    {
        var user = NewUserId();
        var session = NewSession(user);
        var created = session.CreatedAt.ToUnixTimeMilliseconds();
        await redis.GetDatabase().StringSetAsync(RedisKeys.Sessions(user),
            string.Join('\t', session.Id, session.RefreshJti, "", created, created, session.ExpiresAt.ToUnixTimeMilliseconds(), session.Ip, session.UserAgent),
            TimeSpan.FromMinutes(5));

        var rotation = await Store.RotateAsync(user, session.Id, session.RefreshJti, NewId(), Now(), Grace, None);

        Assert.Equal(RotationStatus.Rotated, rotation.Status);
        Assert.False(rotation.Session!.SecondFactor);
        Assert.Equal(session.Id, Assert.Single(await Store.ListAsync(user, Now(), None)).Id);
    }

    private async Task<long?> ScoreAsync(long user, string sessionId) =>
        (long?)await redis.GetDatabase().SortedSetScoreAsync(RedisKeys.RevokedSessionsOf(user), sessionId);
}

public sealed class RedisNodeSessionStoreTests(RedisNodeFixture redis) : RedisSessionStoreContract(redis.Multiplexer), IClassFixture<RedisNodeFixture>;

public sealed class RedisClusterSessionStoreTests(RedisClusterFixture redis) : RedisSessionStoreContract(redis.Multiplexer), IClassFixture<RedisClusterFixture>;
