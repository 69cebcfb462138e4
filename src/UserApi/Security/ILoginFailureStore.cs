namespace UserApi.Security;

/// <summary>How many logins failed for a key (an account or a client IP), and when the last one did.</summary>
public readonly record struct LoginFailures(long Count, DateTimeOffset LastFailureAt);

/// <summary>Failure counters: in process in embedded mode, in Redis (shared by all instances) in production.</summary>
public interface ILoginFailureStore
{
    Task<LoginFailures> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Counts a failure; the counter is forgotten <paramref name="window"/> after the last one.</summary>
    Task<LoginFailures> RecordAsync(string key, DateTimeOffset now, TimeSpan window, CancellationToken cancellationToken);

    Task ResetAsync(string key, CancellationToken cancellationToken);
}
