using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UserApi.Infrastructure;
using UserApi.Sessions;
using UserApi.Users;

namespace UserApi.Hosting;

/// <summary>
/// Embedded mode: every <see cref="Interval"/>, reads the user changes other processes recorded (the CLI's
/// <c>disable</c>, <c>enable</c>, <c>delete</c>), evicts those users from the first-level cache and ends here the
/// sessions the change ended, so that their access tokens are refused within about a second. Not on any request's
/// path. In production mode (<paramref name="feed"/> null) the change travels through Redis instead.
/// </summary>
public sealed class EmbeddedChangeWatcher(SqlUserChangeFeed? feed, SessionRevoker revoker, TimeProvider time, ILogger<EmbeddedChangeWatcher> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (feed is null)
        {
            return;
        }
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                foreach (var userId in await feed.PollAsync(stoppingToken))
                {
                    await revoker.EndSessionsEndedElsewhereAsync(userId, stoppingToken);
                }
            }
            catch (Exception e) when (StoreOutage.Is(e))
            {
                // The next tick reads from where this one stopped.
                logger.LogWarning("Could not read the user changes of other processes: {Error}", e.Message);
            }
        }
    }
}
