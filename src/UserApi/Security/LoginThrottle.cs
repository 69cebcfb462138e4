using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UserApi.Configuration;

namespace UserApi.Security;

/// <summary>
/// Brute-force protection (OWASP Authentication Cheat Sheet): password attempts are counted per account (unknown
/// usernames too, so a lock reveals nothing) and per client IP. Each attempt is counted before its password is
/// checked, in one atomic step with the lock check, so however many arrive at once, at most the limit are ever
/// checked. Past the limit, attempts are refused with 429 until the lock expires, even with the right password;
/// each further attempt doubles the lock. A success clears the account's count and takes its attempt back from
/// the IP's.
/// </summary>
public sealed class LoginThrottle(ILoginFailureStore store, IOptions<SecurityOptions> options, TimeProvider time, ILogger<LoginThrottle> logger)
{
    private SecurityOptions Options => options.Value;

    private LockPolicy AccountPolicy => new(Options.MaxFailedLoginsPerAccount, TimeSpan.FromSeconds(Options.LockoutSeconds), Options.Window);

    private LockPolicy IpPolicy => new(Options.MaxFailedLoginsPerIp, TimeSpan.FromSeconds(Options.LockoutSeconds), Options.Window);

    /// <summary>
    /// Counts an attempt for the account and the IP; the wait when either is locked (nothing is then counted). An
    /// attempt that ends in an exception stays counted: the throttle fails closed.
    /// </summary>
    public async Task<(Attempt? Attempt, TimeSpan RetryAfter)> TryAttemptAsync(string account, string? ip, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var accountKey = AccountKey(account);
        var ipKey = ip is null ? null : IpKey(ip);
        var forAccount = await store.TryReserveAsync(accountKey, AccountPolicy, now, Options.Window, cancellationToken);
        if (!forAccount.Reserved)
        {
            // The longer of the two waits, so that a client coming back is not refused by the other lock.
            var ipWait = ipKey is null ? TimeSpan.Zero : Remaining(await store.GetAsync(ipKey, cancellationToken), IpPolicy, now);
            var accountWait = Remaining(forAccount.Failures, AccountPolicy, now);
            return (null, ipWait > accountWait ? ipWait : accountWait);
        }
        var forIp = default(Reservation);
        if (ipKey is not null)
        {
            forIp = await store.TryReserveAsync(ipKey, IpPolicy, now, Options.Window, cancellationToken);
            if (!forIp.Reserved)
            {
                await store.ReleaseAsync(accountKey, forAccount, cancellationToken);
                return (null, Remaining(forIp.Failures, IpPolicy, now));
            }
        }
        return (new Attempt(accountKey, forAccount, ip, ipKey, forIp), TimeSpan.Zero);
    }

    /// <summary>The password was wrong: the attempt stays counted.</summary>
    public void Failed(Attempt attempt)
    {
        if (attempt.ForAccount.Failures.Count == Options.MaxFailedLoginsPerAccount)
        {
            logger.LogWarning("Account locked after {Count} failed logins", attempt.ForAccount.Failures.Count);
        }
        if (attempt.IpKey is not null && attempt.ForIp.Failures.Count == Options.MaxFailedLoginsPerIp)
        {
            logger.LogWarning("Client {Ip} locked after {Count} failed logins", attempt.Ip, attempt.ForIp.Failures.Count);
        }
    }

    /// <summary>A login succeeded: the account's count starts over, and the IP's attempt is taken back.</summary>
    public async Task SucceededAsync(Attempt attempt, CancellationToken cancellationToken)
    {
        await store.ResetAsync(attempt.AccountKey, cancellationToken);
        await ReleaseIpAsync(attempt, cancellationToken);
    }

    /// <summary>A password was proven outside a login (a password change): both attempts are taken back.</summary>
    public async Task ProvenAsync(Attempt attempt, CancellationToken cancellationToken)
    {
        await store.ReleaseAsync(attempt.AccountKey, attempt.ForAccount, cancellationToken);
        await ReleaseIpAsync(attempt, cancellationToken);
    }

    /// <summary>Whether the account (by normalised username) is locked by its failed logins now.</summary>
    public async Task<bool> IsLockedAsync(string usernameNormalized, CancellationToken cancellationToken) =>
        Remaining(await store.GetAsync(AccountKey(usernameNormalized), cancellationToken), AccountPolicy, time.GetUtcNow()) > TimeSpan.Zero;

    /// <summary>
    /// Forgets the account's failed logins (an operator's unlock, or a reset of the password by its owner); the client
    /// addresses' counts stay.
    /// </summary>
    public Task UnlockAsync(string usernameNormalized, CancellationToken cancellationToken) =>
        store.ResetAsync(AccountKey(usernameNormalized), cancellationToken);

    private async Task ReleaseIpAsync(Attempt attempt, CancellationToken cancellationToken)
    {
        if (attempt.IpKey is not null)
        {
            await store.ReleaseAsync(attempt.IpKey, attempt.ForIp, cancellationToken);
        }
    }

    /// <summary>How long the lock has to run; zero when there is none.</summary>
    private static TimeSpan Remaining(LoginFailures failures, LockPolicy policy, DateTimeOffset now)
    {
        var until = failures.LastAttemptAt + policy.LockAfter(failures.Count);
        return until > now ? until - now : TimeSpan.Zero;
    }

    // Hashed: fixed-size keys whatever the username, and no usernames in Redis in clear.
    private static string AccountKey(string account) =>
        $"a:{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(account)), 0, 16)}";

    private static string IpKey(string ip) => $"ip:{ip}";

    /// <summary>A counted attempt: its keys and their reservations.</summary>
    public sealed record Attempt(string AccountKey, Reservation ForAccount, string? Ip, string? IpKey, Reservation ForIp);
}
