namespace UserApi.Security;

/// <summary>How many attempts were counted for a key (an account or a client IP), and when the last one was.</summary>
public readonly record struct LoginFailures(long Count, DateTimeOffset LastAttemptAt);

/// <summary>
/// The lock that counted attempts earn: none below <see cref="Limit"/>; at the limit <see cref="FirstLock"/>, doubled by
/// each attempt past it, never longer than <see cref="MaxLock"/>. Both stores apply exactly this rule.
/// </summary>
public readonly record struct LockPolicy(int Limit, TimeSpan FirstLock, TimeSpan MaxLock)
{
    public TimeSpan LockAfter(long attempts)
    {
        if (attempts < Limit)
        {
            return TimeSpan.Zero;
        }
        var lockout = FirstLock * Math.Pow(2, Math.Min(attempts - Limit, 20));
        return lockout < MaxLock ? lockout : MaxLock;
    }
}

/// <summary>
/// An attempt counted before it is checked (<see cref="Reserved"/>, with the count and time it left), or the count and
/// time that refused it. <see cref="PreviousAttemptAt"/> is the last attempt's time before this one, which a release
/// puts back: taking an attempt back must not restart a lock from its time.
/// </summary>
public readonly record struct Reservation(bool Reserved, LoginFailures Failures, DateTimeOffset PreviousAttemptAt = default);

/// <summary>Attempt counters: in process in embedded mode, in Redis (shared by all instances) in production.</summary>
public interface ILoginFailureStore
{
    Task<LoginFailures> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Counts an attempt before its password is checked, unless the key is locked by <paramref name="policy"/>: one
    /// atomic step, so parallel attempts cannot all pass the check before any is counted (between two successes, at
    /// most <see cref="LockPolicy.Limit"/> guesses are checked). The counter is forgotten <paramref name="window"/>
    /// after the last attempt.
    /// </summary>
    Task<Reservation> TryReserveAsync(string key, LockPolicy policy, DateTimeOffset now, TimeSpan window, CancellationToken cancellationToken);

    /// <summary>
    /// Takes a counted attempt back (one that succeeded, or one the other key refused): the count goes down by one and,
    /// unless a later attempt came since, the last attempt's time goes back to <see cref="Reservation.PreviousAttemptAt"/>.
    /// </summary>
    Task ReleaseAsync(string key, Reservation reservation, CancellationToken cancellationToken);

    Task ResetAsync(string key, CancellationToken cancellationToken);
}
