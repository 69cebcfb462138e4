using System.Data.Common;
using Dapper;
using MimeKit;
using UserApi.Diagnostics;
using UserApi.Users;

namespace UserApi.Mail;

/// <summary>A mail of the outbox, claimed by this instance for one delivery attempt.</summary>
public sealed record ClaimedMail(long Id, MimeMessage Message, int Attempts, DateTime ExpiresAt);

/// <summary>The mails one claim won, and whether more were due than it looked at.</summary>
public sealed record Claim(IReadOnlyList<ClaimedMail> Mails, bool More);

/// <summary>
/// The transactional outbox: a mail is a row written in the same transaction as what it announces (its token), so
/// that neither exists without the other, and the <see cref="OutboxSender"/> delivers it later, however long the SMTP
/// server is away. Several instances share the table: an instance claims a row with a lease (an UPDATE that succeeds
/// only while nobody else's lease runs), so each mail is handed to SMTP by one instance at a time. The message text,
/// which holds a token, is erased once it is delivered or given up.
/// </summary>
public sealed class MailOutbox(SqlDialect dialect, UserApiMetrics metrics)
{
    public const int BatchSize = 10;

    /// <summary>Fired after a mail is committed, so that this instance's sender delivers it without waiting for its poll.</summary>
    public event Action? Enqueued;

    /// <summary>Adds the mail inside the caller's transaction; call <see cref="Committed"/> once it commits.</summary>
    public async Task EnqueueAsync(DbConnection connection, DbTransaction transaction, MimeMessage message, string kind, DateTime now, DateTime expiresAt, CancellationToken cancellationToken)
    {
        using var text = new MemoryStream();
        await message.WriteToAsync(text, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO mail_outbox (message, created_at, expires_at, attempts, next_attempt_at)
            VALUES (@message, @now, @expiresAt, 0, @now)
            """,
            new { message = System.Text.Encoding.UTF8.GetString(text.ToArray()), now, expiresAt }, transaction, cancellationToken: cancellationToken));
        metrics.MailsQueued.Add(1, new KeyValuePair<string, object?>("kind", kind));
    }

    public void Committed() => Enqueued?.Invoke();

    /// <summary>
    /// Claims up to a batch of due mails for <paramref name="instance"/> until <paramref name="leaseUntil"/>. A row is
    /// claimed only by the UPDATE that finds its lease free, so two instances reading the same due rows split them.
    /// </summary>
    public async Task<Claim> ClaimAsync(string instance, DateTime now, DateTime leaseUntil, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        var due = (await connection.QueryAsync<long>(new CommandDefinition(
            $"""
            SELECT id FROM mail_outbox
            WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= @now AND (lease_until IS NULL OR lease_until <= @now)
            ORDER BY id LIMIT {BatchSize}
            """,
            new { now }, cancellationToken: cancellationToken))).AsList();
        var claimed = new List<ClaimedMail>();
        foreach (var id in due)
        {
            var won = await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE mail_outbox SET claimed_by = @instance, lease_until = @leaseUntil
                WHERE id = @id AND sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= @now AND (lease_until IS NULL OR lease_until <= @now)
                """,
                new { id, instance, leaseUntil, now }, cancellationToken: cancellationToken));
            if (won != 1)
            {
                continue;
            }
            var row = await connection.QuerySingleAsync<OutboxRow>(new CommandDefinition(
                "SELECT message AS Message, attempts AS Attempts, expires_at AS ExpiresAt FROM mail_outbox WHERE id = @id",
                new { id }, cancellationToken: cancellationToken));
            using var text = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(row.Message));
            claimed.Add(new ClaimedMail(id, await MimeMessage.LoadAsync(text, cancellationToken), row.Attempts, DateTime.SpecifyKind(row.ExpiresAt, DateTimeKind.Utc)));
        }
        // Judged by what was due, not by what was won: rows another instance took leave more behind them.
        return new Claim(claimed, due.Count == BatchSize);
    }

    public Task MarkSentAsync(ClaimedMail mail, string instance, DateTime now, CancellationToken cancellationToken) =>
        FinishAsync(mail, instance, "sent_at = @now, attempts = attempts + 1, last_error = NULL", now, null, cancellationToken);

    public Task GiveUpAsync(ClaimedMail mail, string instance, DateTime now, string error, CancellationToken cancellationToken) =>
        FinishAsync(mail, instance, "failed_at = @now, attempts = attempts + 1, last_error = @error", now, error, cancellationToken);

    /// <summary>The attempt failed for a reason that may pass: the mail is due again at <paramref name="nextAttemptAt"/>, for any instance.</summary>
    public async Task RetryLaterAsync(ClaimedMail mail, string instance, DateTime nextAttemptAt, string error, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = @nextAttemptAt, last_error = @error, claimed_by = NULL, lease_until = NULL
            WHERE id = @Id AND claimed_by = @instance
            """,
            new { mail.Id, instance, nextAttemptAt, error = Truncated(error) }, cancellationToken: cancellationToken));
    }

    /// <summary>Forgets delivered and abandoned mails older than <paramref name="before"/>.</summary>
    public async Task<int> PurgeAsync(DateTime before, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM mail_outbox WHERE sent_at < @before OR failed_at < @before", new { before }, cancellationToken: cancellationToken));
    }

    private async Task FinishAsync(ClaimedMail mail, string instance, string set, DateTime now, string? error, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        // The token in the text is no longer needed once the mail has left: only its hash stays (recovery_tokens).
        await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE mail_outbox SET {set}, message = '', claimed_by = NULL, lease_until = NULL WHERE id = @Id AND claimed_by = @instance",
            new { mail.Id, instance, now, error = error is null ? null : Truncated(error) }, cancellationToken: cancellationToken));
    }

    private static string Truncated(string error) => error.Length <= 500 ? error : error[..500];

    private sealed class OutboxRow
    {
        public string Message { get; init; } = "";
        public int Attempts { get; init; }
        public DateTime ExpiresAt { get; init; }
    }
}
