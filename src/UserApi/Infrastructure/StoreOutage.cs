using System.Data.Common;

namespace UserApi.Infrastructure;

/// <summary>
/// Whether an exception means a backing store (the SQL database, Redis) is out of reach or too slow,
/// rather than a bug: a 503 for a request, exit code 1 at start-up.
/// </summary>
public static class StoreOutage
{
    // A TimeoutException is also the migration lock's (SqlDialect), not only Redis's.
    public static bool Is(Exception exception) => exception is DbException or TimeoutException || IsRedis(exception);

    /// <summary>
    /// A failure of a Redis call. Every exception of StackExchange.Redis's namespace counts, not only
    /// <c>RedisException</c> (<c>RedisTimeoutException</c> is a <see cref="TimeoutException"/> and
    /// <c>RedisCommandException</c> an <see cref="Exception"/>), and any other timeout. The code that falls back
    /// when Redis fails (the user cache, the feeds, readiness) and the 503 for a request must agree on it.
    /// </summary>
    public static bool IsRedis(Exception exception) =>
        exception is TimeoutException
        || exception.GetType().Namespace?.StartsWith("StackExchange.Redis", StringComparison.Ordinal) == true;
}
