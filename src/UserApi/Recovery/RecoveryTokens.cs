using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using UserApi.Infrastructure;
using UserApi.Mail;
using UserApi.Users;

namespace UserApi.Recovery;

/// <summary>What a spent token was for: its user and, for a verification, the address it verifies.</summary>
public sealed record SpentToken(long UserId, string? EmailNormalized);

/// <summary>
/// Verification and reset tokens: 256 random bits, base64url, mailed once and stored only as their SHA-256 (a copy of
/// the table grants nothing). A token is spent by deleting its row, which exactly one request can do; expired and
/// unknown ones are refused alike. A new token of a kind replaces the user's previous one of that kind, and its mail
/// is queued in the same transaction (<see cref="MailOutbox"/>): no token without its mail, no mail without its token.
/// </summary>
public sealed class RecoveryTokens(SqlDialect dialect, MailOutbox outbox, MailTemplates templates, TimeProvider time)
{
    private const int TokenBytes = 32;
    private static readonly int TokenLength = Base64Url.GetEncodedLength(TokenBytes);

    private readonly IntervalGate _purge = new(TimeSpan.FromHours(1));

    /// <summary>Issues a token of <paramref name="kind"/> to the user and queues its mail to <paramref name="email"/>.</summary>
    public async Task IssueAsync(MailKind kind, long userId, string username, string email, string emailNormalized, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));
        var now = time.GetUtcNow().UtcDateTime;
        var expiresAt = now + lifetime;
        var message = templates.Compose(kind, email, username, token, lifetime);

        await using var connection = dialect.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        if (_purge.TryEnter(now))
        {
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM recovery_tokens WHERE expires_at < @now", new { now }, cancellationToken: cancellationToken));
        }
        // Read committed: InnoDB's repeatable read would lock the gap the DELETE searched, and two users' requests
        // at once would deadlock on each other's INSERT.
        await using (var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM recovery_tokens WHERE user_id = @userId AND purpose = @purpose",
                new { userId, purpose = PurposeOf(kind) }, transaction, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO recovery_tokens (token_hash, user_id, purpose, email_normalized, expires_at, created_at)
                VALUES (@hash, @userId, @purpose, @emailNormalized, @expiresAt, @now)
                """,
                new { hash = HashOf(token), userId, purpose = PurposeOf(kind), emailNormalized = kind == MailKind.Verify ? emailNormalized : null, expiresAt, now },
                transaction, cancellationToken: cancellationToken));
            await outbox.EnqueueAsync(connection, transaction, message, PurposeOf(kind), now, expiresAt, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        outbox.Committed();
    }

    /// <summary>Spends a token of <paramref name="kind"/>; null when it is unknown, already spent or expired (which are not told apart).</summary>
    public async Task<SpentToken?> SpendAsync(MailKind kind, string token, CancellationToken cancellationToken)
    {
        if (token.Length != TokenLength || !Base64Url.IsValid(token))
        {
            return null;
        }
        // Looked up by hash: the index compares the SHA-256 of the presented token, which leaks nothing about a stored one.
        var hash = HashOf(token);
        await using var connection = dialect.CreateConnection();
        var row = await connection.QuerySingleOrDefaultAsync<TokenRow>(new CommandDefinition(
            "SELECT user_id AS UserId, email_normalized AS EmailNormalized, expires_at AS ExpiresAt FROM recovery_tokens WHERE token_hash = @hash AND purpose = @purpose",
            new { hash, purpose = PurposeOf(kind) }, cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }
        var spent = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM recovery_tokens WHERE token_hash = @hash", new { hash }, cancellationToken: cancellationToken));
        return spent == 1 && DateTime.SpecifyKind(row.ExpiresAt, DateTimeKind.Utc) > time.GetUtcNow().UtcDateTime
            ? new SpentToken(row.UserId, row.EmailNormalized)
            : null;
    }

    /// <summary>Deletes every outstanding token of <paramref name="kind"/> (null: of every kind) of the user.</summary>
    public async Task RevokeAsync(long userId, MailKind? kind, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition(
            kind is null ? "DELETE FROM recovery_tokens WHERE user_id = @userId" : "DELETE FROM recovery_tokens WHERE user_id = @userId AND purpose = @purpose",
            new { userId, purpose = kind is { } k ? PurposeOf(k) : null }, cancellationToken: cancellationToken));
    }

    private static string PurposeOf(MailKind kind) => kind == MailKind.Verify ? "verify" : "reset";

    private static string HashOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));

    private sealed class TokenRow
    {
        public long UserId { get; init; }
        public string? EmailNormalized { get; init; }
        public DateTime ExpiresAt { get; init; }
    }
}
