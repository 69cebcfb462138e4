using System.Diagnostics.Metrics;

namespace UserApi.Hosting;

/// <summary>The service's own instruments (System.Diagnostics.Metrics), exported by whatever listens to the <c>UserApi</c> meter.</summary>
public sealed class UserApiMetrics
{
    public const string MeterName = "UserApi";

    public UserApiMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        CacheHits = meter.CreateCounter<long>("userapi.user_cache.hits", description: "User look-ups answered by the Redis cache.");
        CacheMisses = meter.CreateCounter<long>("userapi.user_cache.misses", description: "User look-ups loaded from the database.");
        CacheErrors = meter.CreateCounter<long>("userapi.user_cache.errors", description: "Redis failures the user cache fell back from.");
    }

    public Counter<long> CacheHits { get; }

    public Counter<long> CacheMisses { get; }

    public Counter<long> CacheErrors { get; }
}
