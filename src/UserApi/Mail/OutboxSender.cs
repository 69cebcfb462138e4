using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using UserApi.Diagnostics;
using UserApi.Infrastructure;

namespace UserApi.Mail;

/// <summary>
/// Delivers the outbox: claims due mails (a lease per mail, so instances sharing the database never send one
/// twice), hands them to the transport, and records each outcome. A mail the server could not take now (it is down,
/// it answered 4xx) is tried again with an exponential back-off until its token expires; one it refused for good
/// (5xx) or whose token has expired is given up. Woken at once by a mail queued here, and every
/// <see cref="PollInterval"/> for mails other instances queued or whose retry came due.
/// </summary>
public sealed class OutboxSender(MailOutbox outbox, IMailTransport transport, TimeProvider time, UserApiMetrics metrics, ILogger<OutboxSender> logger)
    : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    /// <summary>Longer than a batch's SMTP operations can take (<see cref="SmtpMailTransport.Timeout"/> each).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MaxRetry = TimeSpan.FromMinutes(10);

    /// <summary>How long a delivered or abandoned mail's row is kept, for an operator to look into.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    private readonly string _instance = Ids.New();
    private readonly IntervalGate _purge = new(TimeSpan.FromHours(1));
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The back-off before attempt <paramref name="attempts"/> + 1: 5 s, 10 s, 20 s, … up to 10 minutes.</summary>
    public static TimeSpan RetryDelay(int attempts) =>
        TimeSpan.FromTicks(Math.Min(MaxRetry.Ticks, FirstRetry.Ticks << Math.Min(attempts - 1, 20)));

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        outbox.Enqueued += Wake;
        return base.StartAsync(cancellationToken);
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        outbox.Enqueued -= Wake;
        return base.StopAsync(cancellationToken);
    }

    private void Wake() => _wake.TrySetResult();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            // Replaced before the claim: a mail queued during the claim completes the new one and is not missed.
            var wake = _wake;
            if (wake.Task.IsCompleted)
            {
                Interlocked.CompareExchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), wake);
            }
            var more = false;
            try
            {
                more = await DeliverDueAsync(stoppingToken);
            }
            catch (Exception e) when (StoreOutage.Is(e))
            {
                logger.LogWarning("Could not read the mail outbox: {Error}", e.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // A bug met by one batch must not stop delivery for good (nor, through the host, the service): the
                // batch's leases run out and it is tried again.
                logger.LogError(e, "Delivering the mail outbox failed");
            }
            if (more)
            {
                continue;
            }
            try
            {
                await _wake.Task.WaitAsync(PollInterval, time, stoppingToken);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>One batch; true when it was full (more may be due).</summary>
    public async Task<bool> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (_purge.TryEnter(now))
        {
            await outbox.PurgeAsync(now - Retention, cancellationToken);
        }
        var claim = await outbox.ClaimAsync(_instance, now, now + Lease, cancellationToken);
        var live = new List<ClaimedMail>();
        foreach (var mail in claim.Mails)
        {
            if (mail.ExpiresAt <= now)
            {
                // Its link no longer works: a mail that late would only confuse.
                await GiveUpAsync(mail, "its token expired before it could be delivered", cancellationToken);
            }
            else
            {
                live.Add(mail);
            }
        }
        if (live.Count == 0)
        {
            return claim.More;
        }

        IMailConnection connection;
        try
        {
            connection = await transport.ConnectAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            foreach (var mail in live)
            {
                await RetryLaterAsync(mail, e, cancellationToken);
            }
            return false;
        }
        await using (connection)
        {
            foreach (var mail in live)
            {
                try
                {
                    await connection.SendAsync(mail.Message, cancellationToken);
                }
                catch (MailRejectedException e)
                {
                    await GiveUpAsync(mail, e.Message, cancellationToken);
                    continue;
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    await RetryLaterAsync(mail, e, cancellationToken);
                    continue;
                }
                await outbox.MarkSentAsync(mail, _instance, time.GetUtcNow().UtcDateTime, cancellationToken);
                metrics.MailsSent.Add(1);
            }
        }
        return claim.More;
    }

    private async Task RetryLaterAsync(ClaimedMail mail, Exception error, CancellationToken cancellationToken)
    {
        var attempts = mail.Attempts + 1;
        var next = time.GetUtcNow().UtcDateTime + RetryDelay(attempts);
        await outbox.RetryLaterAsync(mail, _instance, next, $"{error.GetType().Name}: {error.Message}", cancellationToken);
        metrics.MailsRetried.Add(1);
        logger.LogWarning("Mail {MailId} not delivered (attempt {Attempts}), trying again at {Next:O}: {Error}", mail.Id, attempts, next, error.Message);
    }

    private async Task GiveUpAsync(ClaimedMail mail, string reason, CancellationToken cancellationToken)
    {
        await outbox.GiveUpAsync(mail, _instance, time.GetUtcNow().UtcDateTime, reason, cancellationToken);
        metrics.MailsFailed.Add(1);
        logger.LogError("Mail {MailId} given up after {Attempts} attempts: {Reason}", mail.Id, mail.Attempts + 1, reason);
    }
}
