using UserApi.Sessions;
using UserApi.Tests.Support;

namespace UserApi.Tests.Sessions;

/// <summary>The embedded mode's store.</summary>
public sealed class InProcessSessionStoreTests : SessionStoreContract
{
    protected override ISessionStore Store { get; } = new InMemorySessionStore();
}

public sealed class RedisNodeSessionStoreTests(RedisNodeFixture redis) : SessionStoreContract, IClassFixture<RedisNodeFixture>
{
    protected override ISessionStore Store { get; } = new RedisSessionStore(redis.Multiplexer);
}

public sealed class RedisClusterSessionStoreTests(RedisClusterFixture redis) : SessionStoreContract, IClassFixture<RedisClusterFixture>
{
    protected override ISessionStore Store { get; } = new RedisSessionStore(redis.Multiplexer);
}
