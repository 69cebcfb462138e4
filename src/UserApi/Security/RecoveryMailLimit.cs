using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using UserApi.Configuration;

namespace UserApi.Security;

/// <summary>
/// <c>Security.RecoveryMailsPerAddressPerHour</c>: requests that may mail one address (a username or an email, as the
/// request names it), counted in the backend's <see cref="IRateLimitStore"/> (Redis, shared by every instance, in
/// production), whether or not an account has that name, so that a refusal tells nothing about accounts.
/// </summary>
public sealed class RecoveryMailLimit(IRateLimitStore store, IOptions<SecurityOptions> options)
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);

    /// <summary>Null when the request may go on; otherwise how long until it may.</summary>
    public async ValueTask<TimeSpan?> TryAcquireAsync(string address, CancellationToken cancellationToken)
    {
        var limit = options.Value.RecoveryMailsPerAddressPerHour;
        if (limit == 0)
        {
            return null;
        }
        var count = await store.TryAcquireAsync(Key(address), limit, Window, cancellationToken);
        return count.Acquired ? null : count.ResetAfter;
    }

    // Hashed: no addresses in Redis in clear.
    private static string Key(string address) =>
        $"recovery:{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(address)), 0, 16)}";
}
