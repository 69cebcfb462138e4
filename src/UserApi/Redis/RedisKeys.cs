using System.Globalization;
using StackExchange.Redis;

namespace UserApi.Redis;

/// <summary>
/// The Redis key layout (docs/design.md §4.2). Keys of one user carry the hash tag <c>{u&lt;id&gt;}</c>, so
/// they live in one Redis Cluster slot.
/// </summary>
public static class RedisKeys
{
    /// <summary>Revoked session ids scored by when their access tokens have all expired (Unix ms).</summary>
    public static readonly RedisKey RevokedSessions = "revoked-sessions";

    /// <summary>Every instance listens here to evict changed users from its first-level cache.</summary>
    public static readonly RedisChannel UserChangedChannel = RedisChannel.Literal("user-changed");

    /// <summary>Every instance listens here to learn of revocations at once.</summary>
    public static readonly RedisChannel SessionRevokedChannel = RedisChannel.Literal("session-revoked");

    /// <summary>Every session of the user, in one value (see <see cref="Sessions.RedisSessionStore"/>).</summary>
    public static RedisKey Sessions(long userId) => $"sessions:{UserTag(userId)}";

    public static RedisKey UserById(long id) => $"cache:user:id:{id.ToString(CultureInfo.InvariantCulture)}";

    public static RedisKey UserByUsername(string usernameNormalized) => $"cache:user:username:{usernameNormalized}";

    private static string UserTag(long userId) => $"{{u{userId.ToString(CultureInfo.InvariantCulture)}}}";
}
