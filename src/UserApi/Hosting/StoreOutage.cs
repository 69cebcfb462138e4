using System.Data.Common;

namespace UserApi.Hosting;

/// <summary>
/// Whether an exception means a backing store (the SQL database, Redis) is out of reach or too slow,
/// rather than a bug: a 503 for a request, exit code 1 at start-up.
/// </summary>
public static class StoreOutage
{
    // RedisTimeoutException is a TimeoutException; every StackExchange.Redis failure is counted as an outage.
    public static bool Is(Exception exception) =>
        exception is DbException or TimeoutException
        || exception.GetType().Namespace?.StartsWith("StackExchange.Redis", StringComparison.Ordinal) == true;
}
