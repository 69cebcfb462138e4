using System.Data.Common;

namespace UserApi.Hosting;

/// <summary>
/// Whether an exception means a backing store (the SQL database, Redis) is out of reach or too slow,
/// rather than a bug: a 503 for a request, exit code 1 at start-up.
/// </summary>
public static class StoreOutage
{
    public static bool Is(Exception exception) => exception is DbException || IsRedis(exception);

    /// <summary>
    /// A failure of a StackExchange.Redis call. Every exception of its namespace counts, not only
    /// <c>RedisException</c>: <c>RedisTimeoutException</c> is a <see cref="TimeoutException"/> and
    /// <c>RedisCommandException</c> an <see cref="Exception"/>. The code that falls back when Redis fails (the
    /// user cache, the feeds, readiness) and the 503 for a request must agree on what a Redis failure is.
    /// </summary>
    public static bool IsRedis(Exception exception) =>
        exception is TimeoutException
        || exception.GetType().Namespace?.StartsWith("StackExchange.Redis", StringComparison.Ordinal) == true;
}
