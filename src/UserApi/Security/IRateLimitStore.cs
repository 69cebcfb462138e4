namespace UserApi.Security;

/// <summary>
/// A key's answer from its current window: whether this request was counted, the window's count after it, and the
/// time until the window ends (a refused client's <c>Retry-After</c>).
/// </summary>
public readonly record struct RateLimitCount(bool Acquired, long Count, TimeSpan ResetAfter);

/// <summary>Request counters of the rate limits: in process in embedded mode, in Redis (shared by all instances) in production.</summary>
public interface IRateLimitStore
{
    /// <summary>
    /// Counts a request in the key's fixed window, unless <paramref name="limit"/> requests were counted in it already:
    /// one atomic step, so of any number of parallel requests exactly the limit are counted. A window starts with the
    /// first request after the last one ended and lasts <paramref name="window"/>; a refused request neither counts nor
    /// moves it.
    /// </summary>
    ValueTask<RateLimitCount> TryAcquireAsync(string key, int limit, TimeSpan window, CancellationToken cancellationToken);
}
