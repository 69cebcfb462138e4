using System.Threading.RateLimiting;

namespace UserApi.Security;

/// <summary>
/// One key's limit as a <see cref="RateLimiter"/>, for ASP.NET Core's rate-limiting middleware, with its count in an
/// <see cref="IRateLimitStore"/>. The framework's window limiters keep their count in process (N instances would give
/// N times the budget), read the system clock rather than the <see cref="TimeProvider"/>, and answer a refusal with
/// the whole window as its <c>Retry-After</c> rather than the time left in it.
/// </summary>
public sealed class StoreRateLimiter(IRateLimitStore store, string key, int limit, TimeSpan window, TimeProvider time) : RateLimiter
{
    private long _lastUsed = time.GetTimestamp();

    // The partitioned limiter drops a key's limiter once it has been idle a while; its count stays in the store.
    public override TimeSpan? IdleDuration => time.GetElapsedTime(Interlocked.Read(ref _lastUsed));

    public override RateLimiterStatistics? GetStatistics() => null;

    // The count is in the store, which may be across the network: a synchronous attempt is never granted, so the
    // middleware goes on to AcquireAsync.
    protected override RateLimitLease AttemptAcquireCore(int permitCount) => permitCount == 0 ? Lease.Granted : Lease.Deferred;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, 1);
        if (permitCount == 0)
        {
            return Lease.Granted;
        }
        Interlocked.Exchange(ref _lastUsed, time.GetTimestamp());
        var count = await store.TryAcquireAsync(key, limit, window, cancellationToken);
        return count.Acquired ? Lease.Granted : new Lease(false, count.ResetAfter);
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Granted = new(true, null);
        public static readonly Lease Deferred = new(false, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name ? wait : null;
            return metadata is not null;
        }
    }
}
