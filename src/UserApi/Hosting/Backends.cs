using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using UserApi.Configuration;
using UserApi.Mfa;
using UserApi.Redis;
using UserApi.Security;
using UserApi.Sessions;
using UserApi.Users;

namespace UserApi.Hosting;

/// <summary>
/// The one place that picks the backends: <c>CacheRedis</c> configured selects production mode (sessions,
/// revocations, login and rate-limit counters and user-change announcements in Redis, the goctl-style user cache);
/// without it, embedded mode keeps them in process, and user changes are also recorded in SQL for a running server
/// to pick up from the CLI. Users are in SQL either way (SQLite or MySQL).
/// The choice is made when the services are first resolved, so that tests can set the configuration.
/// </summary>
public static class Backends
{
    public static IServiceCollection AddBackends(this IServiceCollection services)
    {
        services.AddSingleton<IConnectionMultiplexer>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ServiceOptions>>().Value;
            return RedisConnection.Connect(options.CacheRedis, options.Name);
        });
        services.AddSingleton<SqlUserChangeFeed>();
        services.AddSingleton<IUserChangeFeed>(sp => UsesRedis(sp)
            ? ActivatorUtilities.CreateInstance<RedisUserChangeFeed>(sp)
            : sp.GetRequiredService<SqlUserChangeFeed>());
        services.AddHostedService(sp => new EmbeddedChangeWatcher(
            UsesRedis(sp) ? null : sp.GetRequiredService<SqlUserChangeFeed>(),
            sp.GetRequiredService<SessionRevoker>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<EmbeddedChangeWatcher>>()));
        services.AddPerBackend<ISessionStore, InMemorySessionStore, RedisSessionStore>();
        services.AddPerBackend<IRevocationFeed, LocalRevocationFeed, RedisRevocationFeed>();
        services.AddPerBackend<ILoginFailureStore, InMemoryLoginFailureStore, RedisLoginFailureStore>();
        services.AddPerBackend<IRateLimitStore, InMemoryRateLimitStore, RedisRateLimitStore>();
        services.AddPerBackend<IMfaChallengeStore, InMemoryMfaChallengeStore, RedisMfaChallengeStore>();
        // First-level cache in process; in production mode over the Redis cache over SQL.
        services.AddSingleton<UserCacheCleaner>();
        // OutageCredentials: users seen recently keep logging in while the database is unreachable.
        services.AddSingleton<IUserStore>(sp => ActivatorUtilities.CreateInstance<LocalUserCache>(sp, ActivatorUtilities.CreateInstance<OutageCredentials>(sp, UsesRedis(sp)
            ? ActivatorUtilities.CreateInstance<CachedUserStore>(sp, sp.GetRequiredService<SqlUserStore>())
            : sp.GetRequiredService<SqlUserStore>())));
        services.AddSingleton(sp => new GracefulShutdown(
            sp.GetRequiredService<IOptions<ServiceOptions>>(),
            UsesRedis(sp) ? sp.GetRequiredService<UserCacheCleaner>() : null,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<GracefulShutdown>>()));
        // Registered before the server (which the host adds last), so that it stops after the server: see GracefulShutdown.
        services.AddHostedService(sp => sp.GetRequiredService<GracefulShutdown>());
        return services;
    }

    private static void AddPerBackend<TService, TEmbedded, TRedis>(this IServiceCollection services)
        where TService : class
        where TEmbedded : TService
        where TRedis : TService =>
        services.AddSingleton<TService>(sp => UsesRedis(sp)
            ? ActivatorUtilities.CreateInstance<TRedis>(sp)
            : ActivatorUtilities.CreateInstance<TEmbedded>(sp));

    private static bool UsesRedis(IServiceProvider services) =>
        services.GetRequiredService<IOptions<ServiceOptions>>().Value.CacheRedis.Count > 0;
}
