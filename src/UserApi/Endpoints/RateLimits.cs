using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using UserApi.Accounts;
using UserApi.Authentication;
using UserApi.Configuration;
using UserApi.Diagnostics;
using UserApi.Security;

namespace UserApi.Endpoints;

/// <summary>
/// Rate limits where abuse is cheap, on ASP.NET Core's rate-limiting middleware: a route names its policy
/// (<c>RequireRateLimiting</c>), the policy picks the partition (the client's network, or for look-ups the registered
/// caller), and each partition's requests are counted in a fixed window of a minute in the backend's
/// <see cref="IRateLimitStore"/>. A refusal is a 429 <c>rate_limited</c> problem with <c>Retry-After</c>.
/// </summary>
public static class RateLimits
{
    public const string Tokens = "tokens";
    public const string Registrations = "registrations";
    public const string UserLookups = "user_lookups";
    public const string RecoveryMails = "recovery_mails";

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public static IServiceCollection AddUserApiRateLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(options => options.RejectionStatusCode = StatusCodes.Status429TooManyRequests);
        services.AddOptions<RateLimiterOptions>().Configure<IRateLimitStore, IOptions<SecurityOptions>, TimeProvider, UserApiMetrics>(
            (options, store, security, time, metrics) =>
            {
                RateLimitPartition<string> Partition(string limit, string partition, int perMinute) => perMinute == 0
                    ? RateLimitPartition.GetNoLimiter("")
                    : RateLimitPartition.Get($"{limit}:{partition}", key => new StoreRateLimiter(store, key, perMinute, Window, time));

                options.AddPolicy(Tokens, context => Partition(Tokens, Clients.NetworkOf(context), security.Value.TokenRequestsPerMinute));
                options.AddPolicy(Registrations, context => Partition(Registrations, Clients.NetworkOf(context), security.Value.RegistrationsPerMinute));
                options.AddPolicy(RecoveryMails, context => Partition(RecoveryMails, Clients.NetworkOf(context), security.Value.RecoveryRequestsPerMinute));
                // Anonymous tokens are free to mint: keyed by token, each would bring a fresh budget.
                options.AddPolicy(UserLookups, context => Partition(UserLookups,
                    context.User.IsRegisteredUser() ? $"user:{context.User.UserId()}" : Clients.NetworkOf(context), security.Value.UserLookupsPerMinute));

                options.OnRejected = (rejected, _) =>
                {
                    var context = rejected.HttpContext;
                    var limit = context.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName;
                    metrics.RateLimitRejections.Add(1, new KeyValuePair<string, object?>("limit", limit));
                    var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : Window;
                    var failure = Failure.TooManyRequests(wait);
                    OutcomeCounting.Count(context, failure.Code);
                    return new ValueTask(Problems.From(failure, context).ExecuteAsync(context));
                };
            });
        return services;
    }
}
