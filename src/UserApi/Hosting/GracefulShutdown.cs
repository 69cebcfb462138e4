using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UserApi.Configuration;
using UserApi.Users;

namespace UserApi.Hosting;

/// <summary>
/// What happens on SIGTERM (or any stop), in the host's order: <c>ApplicationStopping</c> turns <c>/readyz</c> to 503
/// (<see cref="ShutdownReadinessCheck"/>); <see cref="StoppingAsync"/> waits <c>ShutdownDelay</c> while the listener
/// still serves, so a load balancer notices before connections are refused; the server then closes its listener and
/// lets in-flight requests finish for up to <c>ShutdownTimeout</c>; last, <see cref="StopAsync"/> (this service
/// was registered before the server, so it stops after it) writes the user-cache invalidations still pending.
/// </summary>
public sealed class GracefulShutdown(IOptions<ServiceOptions> options, UserCacheCleaner? cacheCleaner, TimeProvider time, ILogger<GracefulShutdown> logger)
    : IHostedLifecycleService
{
    /// <summary>How long the pending cache invalidations may take at the very end, on top of <c>ShutdownTimeout</c>.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromSeconds(options.Value.ShutdownDelay);
        if (delay > TimeSpan.Zero)
        {
            logger.LogInformation("Stopping: not ready; serving for {Seconds} s more before closing the listener", delay.TotalSeconds);
            await Task.Delay(delay, time, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => DrainCacheAsync();

    /// <summary>
    /// Writes the user-cache invalidations Redis refused earlier, for up to <see cref="DrainTimeout"/>: at the end of
    /// the server's stop, and after a command (<c>disable</c>, <c>delete</c>, …), whose process exits at once.
    /// </summary>
    public async Task DrainCacheAsync()
    {
        if (cacheCleaner is not null)
        {
            // Not the host's token: in-flight requests may have used it up, and a lost invalidation serves a stale row for
            // minutes. Real time, not TimeProvider: the bound on the process's exit must hold under a clock a test stopped.
            using var drain = new CancellationTokenSource(DrainTimeout);
            await cacheCleaner.DrainAsync(drain.Token);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary><c>/readyz</c>: 503 from the moment the instance begins to stop, so that no new traffic is sent its way.</summary>
public sealed class ShutdownReadinessCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    private static readonly Task<HealthCheckResult> Ready = Task.FromResult(HealthCheckResult.Healthy());
    private static readonly Task<HealthCheckResult> Stopping = Task.FromResult(HealthCheckResult.Unhealthy("The instance is shutting down."));

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        lifetime.ApplicationStopping.IsCancellationRequested ? Stopping : Ready;
}
