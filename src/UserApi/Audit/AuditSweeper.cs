using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UserApi.Configuration;

namespace UserApi.Audit;

/// <summary>Deletes audit events older than <c>Audit.RetentionDays</c>: at start-up, then once an hour.</summary>
public sealed class AuditSweeper(AuditEventStore store, IOptions<AuditOptions> options, TimeProvider time, ILogger<AuditSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>Deletes what is past retention now; returns how many events.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow().UtcDateTime - TimeSpan.FromDays(options.Value.RetentionDays);
        var deleted = await store.DeleteBeforeAsync(cutoff, cancellationToken);
        if (deleted > 0)
        {
            logger.LogInformation("Deleted {Count} audit events older than {Days} days", deleted, options.Value.RetentionDays);
        }
        return deleted;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("Sweeping old audit events failed; trying again in an hour: {Error}", e.Message);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
