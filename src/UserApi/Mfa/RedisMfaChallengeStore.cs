using System.Globalization;
using StackExchange.Redis;
using UserApi.Redis;
using UserApi.Users;

namespace UserApi.Mfa;

/// <summary>
/// Challenges in Redis, one key each, <c>mfa-challenge:&lt;hash&gt;</c>, holding the user id, the challenge's times
/// (Unix ms) and the user's session cutoff (ticks, or 0, and the kept session id, or <c>-</c>), and expiring with it: <c>DEL</c> answers 1 to one caller only, on a node and in a cluster alike.
/// The expiry is also checked on the caller's clock, so a challenge ends at the same time wherever it is read.
/// </summary>
public sealed class RedisMfaChallengeStore(IConnectionMultiplexer redis) : IMfaChallengeStore
{
    private const string NoSession = "-";

    private IDatabase Database => redis.GetDatabase();

    public Task AddAsync(string tokenHash, MfaChallenge challenge, CancellationToken cancellationToken) =>
        Database.StringSetAsync(
            RedisKeys.MfaChallenge(tokenHash),
            string.Join(' ',
                challenge.UserId, challenge.IssuedAt.ToUnixTimeMilliseconds(), challenge.ExpiresAt.ToUnixTimeMilliseconds(),
                challenge.Cutoff.EndedAt?.Ticks ?? 0, challenge.Cutoff.KeptSessionId ?? NoSession),
            challenge.ExpiresAt - challenge.IssuedAt);

    public async Task<MfaChallenge?> FindAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var value = (string?)await Database.StringGetAsync(RedisKeys.MfaChallenge(tokenHash));
        if (value?.Split(' ') is not [var userId, var issued, var expires, var endedAt, var kept])
        {
            return null;
        }
        var cutoff = new SessionCutoff(Number(endedAt) is > 0 and var ticks ? new DateTime(ticks, DateTimeKind.Utc) : null, kept == NoSession ? null : kept);
        var challenge = new MfaChallenge(Number(userId), DateTimeOffset.FromUnixTimeMilliseconds(Number(issued)), DateTimeOffset.FromUnixTimeMilliseconds(Number(expires)), cutoff);
        return challenge.ExpiresAt > now ? challenge : null;
    }

    public Task<bool> ConsumeAsync(string tokenHash, CancellationToken cancellationToken) => Database.KeyDeleteAsync(RedisKeys.MfaChallenge(tokenHash));

    private static long Number(string text) => long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
}
