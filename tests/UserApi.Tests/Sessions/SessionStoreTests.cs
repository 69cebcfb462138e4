using UserApi.Sessions;
using UserApi.Tests.Support;

namespace UserApi.Tests.Sessions;

/// <summary>
/// The embedded mode's store. Where it reads back differently from the Redis store, the difference is pinned
/// here rather than hidden: these overrides state what it does today. They are not the contract; once
/// <see cref="InMemorySessionStore"/> reads back as the contract says, the tests using them fail and the
/// overrides go.
/// </summary>
public sealed class InProcessSessionStoreTests : SessionStoreContract
{
    protected override ISessionStore Store { get; } = new InMemorySessionStore();

    /// <summary>Known difference: tabs and line breaks are kept, and an empty value stays empty (Redis: spaces, and null).</summary>
    protected override string? ReadBack(string? value) => value;

    /// <summary>Known difference: times are kept to the tick (Redis: to the millisecond).</summary>
    protected override DateTimeOffset ReadBack(DateTimeOffset time) => time;
}

public sealed class RedisNodeSessionStoreTests(RedisNodeFixture redis) : SessionStoreContract, IClassFixture<RedisNodeFixture>
{
    protected override ISessionStore Store { get; } = new RedisSessionStore(redis.Multiplexer);
}

public sealed class RedisClusterSessionStoreTests(RedisClusterFixture redis) : SessionStoreContract, IClassFixture<RedisClusterFixture>
{
    protected override ISessionStore Store { get; } = new RedisSessionStore(redis.Multiplexer);
}
