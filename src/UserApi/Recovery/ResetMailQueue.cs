using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UserApi.Configuration;
using UserApi.Diagnostics;
using UserApi.Infrastructure;
using UserApi.Mail;
using UserApi.Users;

namespace UserApi.Recovery;

/// <summary>
/// The reset mails <c>forgot</c> asked for, issued after its answer: the request for a real account and the one for
/// an unknown name do the same work before they are answered (one indexed read), and the token and outbox write
/// that only the real one needs happens here, where no client waits for it. A mail lost to a crash before it was
/// written costs its requester a second request; nothing is sent twice.
/// </summary>
public sealed class ResetMailQueue(RecoveryTokens tokens, IOptions<AuthOptions> options, UserApiMetrics metrics, ILogger<ResetMailQueue> logger) : BackgroundService
{
    private const int Capacity = 1024;

    private readonly Channel<Mailbox> _requests = Channel.CreateBounded<Mailbox>(new BoundedChannelOptions(Capacity)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    /// <summary>Takes the request without waiting; a full queue drops it (logged and counted), rather than slow the answer.</summary>
    public void Request(Mailbox mailbox)
    {
        if (!_requests.Writer.TryWrite(mailbox))
        {
            metrics.MailsFailed.Add(1);
            logger.LogWarning("Reset mail for user {UserId} dropped: {Capacity} reset requests are waiting", mailbox.UserId, Capacity);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Drained on stop: requests already answered 202 still get their mail.
        _ = stoppingToken.Register(() => _requests.Writer.TryComplete());
        await foreach (var mailbox in _requests.Reader.ReadAllAsync(CancellationToken.None))
        {
            try
            {
                await tokens.IssueAsync(MailKind.Reset, mailbox.UserId, mailbox.Username, mailbox.Email!, EmailAddress.Normalize(mailbox.Email!)!,
                    TimeSpan.FromSeconds(options.Value.ResetTokenExpire), CancellationToken.None);
            }
            catch (Exception e) when (StoreOutage.Is(e))
            {
                metrics.MailsFailed.Add(1);
                logger.LogError("Reset mail for user {UserId} not queued, the database failed: {Error}", mailbox.UserId, e.Message);
            }
            catch (Exception e)
            {
                // One request's failure must not end the queue for every later one.
                metrics.MailsFailed.Add(1);
                logger.LogError(e, "Reset mail for user {UserId} not queued", mailbox.UserId);
            }
        }
    }
}
