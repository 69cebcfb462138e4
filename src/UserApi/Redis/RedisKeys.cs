using System.Globalization;
using StackExchange.Redis;

namespace UserApi.Redis;

/// <summary>
/// The Redis key layout (DESIGN.md §4). Keys of one user share the hash tag <c>{u&lt;id&gt;}</c>, so a
/// script touching a session and the user's session index runs on one Redis Cluster slot.
/// </summary>
public static class RedisKeys
{
    public static RedisKey Session(long userId, string sessionId) => $"session:{UserTag(userId)}:{sessionId}";

    public static RedisKey Sessions(long userId) => $"sessions:{UserTag(userId)}";

    public static RedisKey UserById(long id) => $"cache:user:id:{id.ToString(CultureInfo.InvariantCulture)}";

    public static RedisKey UserByUsername(string usernameNormalized) => $"cache:user:username:{usernameNormalized}";

    private static string UserTag(long userId) => $"{{u{userId.ToString(CultureInfo.InvariantCulture)}}}";
}
