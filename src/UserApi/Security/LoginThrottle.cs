using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UserApi.Configuration;

namespace UserApi.Security;

/// <summary>
/// Brute-force protection (OWASP Authentication Cheat Sheet): failed logins are counted per account
/// (unknown usernames too, so a lock reveals nothing) and per client IP. Past the limit, attempts are
/// refused with 429 until a lock expires, even with the right password; each further failure doubles the
/// lock. A successful login clears the account's counter.
/// </summary>
public sealed class LoginThrottle(ILoginFailureStore store, IOptions<SecurityOptions> options, TimeProvider time, ILogger<LoginThrottle> logger)
{
    private SecurityOptions Options => options.Value;

    /// <summary>How long the caller must wait, or null when the attempt may proceed.</summary>
    public async Task<TimeSpan?> RetryAfterAsync(string account, string? ip, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var wait = Remaining(await store.GetAsync(AccountKey(account), cancellationToken), Options.MaxFailedLoginsPerAccount, now);
        if (ip is not null)
        {
            var ipWait = Remaining(await store.GetAsync(IpKey(ip), cancellationToken), Options.MaxFailedLoginsPerIp, now);
            wait = ipWait > wait ? ipWait : wait;
        }
        return wait > TimeSpan.Zero ? wait : null;
    }

    public async Task RecordFailureAsync(string account, string? ip, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var failures = await store.RecordAsync(AccountKey(account), now, Options.Window, cancellationToken);
        if (failures.Count == Options.MaxFailedLoginsPerAccount)
        {
            logger.LogWarning("Account locked after {Count} failed logins", failures.Count);
        }
        if (ip is not null)
        {
            var ipFailures = await store.RecordAsync(IpKey(ip), now, Options.Window, cancellationToken);
            if (ipFailures.Count == Options.MaxFailedLoginsPerIp)
            {
                logger.LogWarning("Client {Ip} locked after {Count} failed logins", ip, ipFailures.Count);
            }
        }
    }

    public Task RecordSuccessAsync(string account, CancellationToken cancellationToken) =>
        store.ResetAsync(AccountKey(account), cancellationToken);

    private TimeSpan Remaining(LoginFailures failures, int limit, DateTimeOffset now)
    {
        var until = failures.LastFailureAt + Options.LockoutAfter(failures.Count, limit);
        return failures.Count >= limit && until > now ? until - now : TimeSpan.Zero;
    }

    // Hashed: fixed-size keys whatever the username, and no usernames in Redis in clear.
    private static string AccountKey(string account) =>
        $"a:{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(account)), 0, 16)}";

    private static string IpKey(string ip) => $"ip:{ip}";
}
