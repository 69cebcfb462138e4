using System.Globalization;
using StackExchange.Redis;

namespace UserApi.Redis;

/// <summary>
/// The Redis key layout (docs/design.md §4.2). A user's sessions key and the revoked-sessions set it records
/// into carry the same hash tag, <c>{s&lt;shard&gt;}</c>, so that ending a session and recording its
/// revocation are one script in one Redis Cluster slot; the shards are few, so that an instance can re-read
/// every revocation.
/// </summary>
public static class RedisKeys
{
    /// <summary>How many revoked-sessions sets there are (a user's shard is its id modulo this): at most this many cluster nodes share the sessions.</summary>
    public const int SessionShards = 64;

    /// <summary>Every instance listens here to evict changed users from its first-level cache.</summary>
    public static readonly RedisChannel UserChangedChannel = RedisChannel.Literal("user-changed");

    /// <summary>Every instance listens here to learn of revocations at once.</summary>
    public static readonly RedisChannel SessionRevokedChannel = RedisChannel.Literal(SessionRevokedChannelName);

    /// <summary>The channel's name, as the session scripts publish to it.</summary>
    public const string SessionRevokedChannelName = "session-revoked";

    /// <summary>Every instance listens here to learn at once that every session was ended (the message: Unix seconds).</summary>
    public static readonly RedisChannel EverySessionEndedChannel = RedisChannel.Literal(EverySessionEndedChannelName);

    public const string EverySessionEndedChannelName = "every-session-ended";

    /// <summary>When every session was last ended, Unix seconds: re-read with the revoked sessions, for a lost message.</summary>
    public static readonly RedisKey EverySessionEnded = "every-session-ended";

    /// <summary>Every session of the user, in one value (see <see cref="Sessions.RedisSessionStore"/>).</summary>
    public static RedisKey Sessions(long userId) => $"sessions:{ShardTag(ShardOf(userId))}:{userId.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Revoked session ids of one shard, scored by when their access tokens have all expired (Unix ms, Redis's clock).</summary>
    public static RedisKey RevokedSessions(int shard) => $"revoked-sessions:{ShardTag(shard)}";

    /// <summary>The revoked-sessions set in the slot of the user's sessions key.</summary>
    public static RedisKey RevokedSessionsOf(long userId) => RevokedSessions(ShardOf(userId));

    public static int ShardOf(long userId) => (int)((ulong)userId % SessionShards);

    public static RedisKey UserById(long id) => $"cache:user:id:{id.ToString(CultureInfo.InvariantCulture)}";

    public static RedisKey UserByUsername(string usernameNormalized) => $"cache:user:username:{usernameNormalized}";

    /// <summary>A login waiting for its second factor, by the SHA-256 of its <c>mfaToken</c> (see <c>Mfa.RedisMfaChallengeStore</c>).</summary>
    public static RedisKey MfaChallenge(string tokenHash) => $"mfa-challenge:{tokenHash}";

    private static string ShardTag(int shard) => $"{{s{shard.ToString(CultureInfo.InvariantCulture)}}}";
}
