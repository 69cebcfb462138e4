using System.Data.Common;
using Dapper;

namespace UserApi.Users;

/// <summary>The user table on SQLite or MySQL through Dapper; parameterised SQL only.</summary>
public sealed class SqlUserStore(SqlDialect dialect) : IUserStore
{
    private const string SelectUser =
        """
        SELECT id AS Id, username AS Username, username_normalized AS UsernameNormalized, role AS Role, disabled AS Disabled, created_at AS CreatedAt, updated_at AS UpdatedAt,
               password_changed_at AS PasswordChangedAt, sessions_ended_at AS SessionsEndedAt, kept_session_id AS KeptSessionId,
               email AS Email, email_verified AS EmailVerified, last_login_at AS LastLoginAt
        FROM users
        """;

    public async Task<User?> FindByIdAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        var row = await connection.QuerySingleOrDefaultAsync<UserRow>(
            new CommandDefinition($"{SelectUser} WHERE id = @id", new { id }, cancellationToken: cancellationToken));
        return row?.ToUser();
    }

    public async Task<User?> FindByUsernameAsync(string usernameNormalized, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        var row = await connection.QuerySingleOrDefaultAsync<UserRow>(
            new CommandDefinition($"{SelectUser} WHERE username_normalized = @usernameNormalized", new { usernameNormalized }, cancellationToken: cancellationToken));
        return row?.ToUser();
    }

    public async Task<User?> CreateAsync(NewUser user, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        try
        {
            // An explicit id moves MySQL's AUTO_INCREMENT and SQLite's sqlite_sequence past it, so later rows never collide.
            // MySQL's LAST_INSERT_ID() reports generated ids only.
            var (idColumn, idValue, insertedId) = user.Id is null ? ("", "", dialect.LastInsertIdExpression) : ("id, ", "@Id, ", "@Id");
            var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                $"""
                INSERT INTO users ({idColumn}username, username_normalized, password_hash, role, disabled, created_at, updated_at, password_changed_at, email, email_normalized)
                VALUES ({idValue}@Username, @UsernameNormalized, @PasswordHash, @Role, @Disabled, @CreatedAt, @CreatedAt, @CreatedAt, @Email, @EmailNormalized);
                SELECT {insertedId};
                """,
                user, cancellationToken: cancellationToken));
            return new User(id, user.Username, user.UsernameNormalized, user.Role, user.Disabled, user.CreatedAt, user.CreatedAt, user.CreatedAt) { Email = user.Email };
        }
        catch (DbException e) when (dialect.IsUniqueViolation(e))
        {
            return null;
        }
    }

    public async Task UpdatePasswordHashAsync(long id, string passwordHash, bool passwordChanged, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        var sql = passwordChanged
            ? "UPDATE users SET password_hash = @passwordHash, updated_at = @now, password_changed_at = @now WHERE id = @id"
            : "UPDATE users SET password_hash = @passwordHash, updated_at = @now WHERE id = @id";
        await connection.ExecuteAsync(new CommandDefinition(sql, new { id, passwordHash, now }, cancellationToken: cancellationToken));
    }

    public async Task SetDisabledAsync(long id, bool disabled, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET disabled = @disabled, updated_at = @now WHERE id = @id", new { id, disabled, now }, cancellationToken: cancellationToken));
    }

    public async Task DeleteAsync(User user, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        // The second factor goes with the row: an id given again (an import keeps ids) must not inherit it.
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM users WHERE id = @Id; DELETE FROM user_mfa WHERE user_id = @Id; DELETE FROM mfa_recovery_codes WHERE user_id = @Id;",
            new { user.Id }, cancellationToken: cancellationToken));
    }

    public async Task EndSessionsAsync(long id, DateTime at, string? keptSessionId, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        // Never moved back: of two endings, the later one's time (and kept session) stands.
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE users SET sessions_ended_at = @at, kept_session_id = @keptSessionId, updated_at = @at
            WHERE id = @id AND (sessions_ended_at IS NULL OR sessions_ended_at <= @at)
            """,
            new { id, at, keptSessionId }, cancellationToken: cancellationToken));
    }

    public async Task<SessionCutoff?> ReadSessionCutoffAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        var row = await connection.QuerySingleOrDefaultAsync<CutoffRow>(new CommandDefinition(
            "SELECT sessions_ended_at AS SessionsEndedAt, kept_session_id AS KeptSessionId FROM users WHERE id = @id",
            new { id }, cancellationToken: cancellationToken));
        return row is null ? null : new SessionCutoff(AsUtc(row.SessionsEndedAt), row.KeptSessionId);
    }

    public async Task<Credentials?> ReadCredentialsAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        var row = await connection.QuerySingleOrDefaultAsync<CredentialsRow>(new CommandDefinition(
            """
            SELECT password_hash AS PasswordHash, disabled AS Disabled, sessions_ended_at AS SessionsEndedAt, kept_session_id AS KeptSessionId,
                EXISTS (SELECT 1 FROM user_mfa WHERE user_mfa.user_id = users.id AND user_mfa.enabled = 1) AS SecondFactor
            FROM users WHERE id = @id
            """,
            new { id }, cancellationToken: cancellationToken));
        return row is null ? null : new Credentials(row.PasswordHash, row.Disabled, new SessionCutoff(AsUtc(row.SessionsEndedAt), row.KeptSessionId)) { SecondFactor = row.SecondFactor };
    }

    public async Task<bool> SetEmailAsync(long id, string? email, string? emailNormalized, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE users SET email = @email, email_normalized = @emailNormalized, email_verified = 0, updated_at = @now WHERE id = @id",
                new { id, email, emailNormalized, now }, cancellationToken: cancellationToken));
            return true;
        }
        catch (DbException e) when (dialect.IsUniqueViolation(e))
        {
            return false;
        }
    }

    public async Task<bool> MarkEmailVerifiedAsync(long id, string emailNormalized, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET email_verified = 1, updated_at = @now WHERE id = @id AND email_normalized = @emailNormalized",
            new { id, emailNormalized, now }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<Mailbox?> FindMailboxAsync(string? usernameNormalized, string? emailNormalized, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        var where = usernameNormalized is not null ? "username_normalized = @usernameNormalized" : "email_normalized = @emailNormalized";
        var row = await connection.QuerySingleOrDefaultAsync<MailboxRow>(new CommandDefinition(
            $"SELECT id AS UserId, username AS Username, username_normalized AS UsernameNormalized, email AS Email, email_verified AS EmailVerified FROM users WHERE {where}",
            new { usernameNormalized, emailNormalized }, cancellationToken: cancellationToken));
        return row is null ? null : new Mailbox(row.UserId, row.Username, row.UsernameNormalized, row.Email, row.EmailVerified);
    }

    public async Task<User?> ReadAsync(long id, CancellationToken cancellationToken) => await FindByIdAsync(id, cancellationToken);

    public async Task<IReadOnlyList<User>> ListAsync(string usernamePrefix, long afterId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        // '!' escapes LIKE's wildcards on both databases (a backslash would need escaping again in MySQL's literals).
        var pattern = usernamePrefix.Replace("!", "!!", StringComparison.Ordinal).Replace("%", "!%", StringComparison.Ordinal)
            .Replace("_", "!_", StringComparison.Ordinal) + "%";
        var rows = await connection.QueryAsync<UserRow>(new CommandDefinition(
            $"{SelectUser} WHERE id > @afterId AND username_normalized LIKE @pattern ESCAPE '!' ORDER BY id LIMIT @limit",
            new { afterId, pattern, limit }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToUser())];
    }

    public async Task SetRoleAsync(long id, string role, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET role = @role, updated_at = @now WHERE id = @id", new { id, role, now }, cancellationToken: cancellationToken));
    }

    public async Task RecordLoginAsync(long id, DateTime at, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET last_login_at = @at WHERE id = @id", new { id, at }, cancellationToken: cancellationToken));
    }

    public async Task EndEverySessionAsync(DateTime at, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        const string MoveForward = "UPDATE all_sessions_ended SET ended_at = @at WHERE id = 1 AND ended_at < @at";
        if (await connection.ExecuteAsync(new CommandDefinition(MoveForward, new { at }, cancellationToken: cancellationToken)) > 0)
        {
            return;
        }
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO all_sessions_ended (id, ended_at) VALUES (1, @at)", new { at }, cancellationToken: cancellationToken));
        }
        catch (DbException e) when (dialect.IsUniqueViolation(e))
        {
            // The row was there (later than at: nothing to do) or another instance inserted it meanwhile.
            await connection.ExecuteAsync(new CommandDefinition(MoveForward, new { at }, cancellationToken: cancellationToken));
        }
    }

    public async Task<DateTime?> ReadEverySessionEndedAtAsync(CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        return AsUtc(await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition(
            "SELECT ended_at FROM all_sessions_ended WHERE id = 1", cancellationToken: cancellationToken)));
    }

    private static DateTime? AsUtc(DateTime? time) => time is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : null;

    private sealed class MailboxRow
    {
        public long UserId { get; init; }
        public string Username { get; init; } = "";
        public string UsernameNormalized { get; init; } = "";
        public string? Email { get; init; }
        public bool EmailVerified { get; init; }
    }

    private sealed class CutoffRow
    {
        public DateTime? SessionsEndedAt { get; init; }
        public string? KeptSessionId { get; init; }
    }

    private sealed class CredentialsRow
    {
        public string PasswordHash { get; init; } = "";
        public bool Disabled { get; init; }
        public DateTime? SessionsEndedAt { get; init; }
        public string? KeptSessionId { get; init; }
        public bool SecondFactor { get; init; }
    }

    private sealed class UserRow
    {
        public long Id { get; init; }
        public string Username { get; init; } = "";
        public string UsernameNormalized { get; init; } = "";
        public string Role { get; init; } = "";
        public bool Disabled { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
        public DateTime PasswordChangedAt { get; init; }
        public DateTime? SessionsEndedAt { get; init; }
        public string? KeptSessionId { get; init; }
        public string? Email { get; init; }
        public bool EmailVerified { get; init; }
        public DateTime? LastLoginAt { get; init; }

        public User ToUser() => new(Id, Username, UsernameNormalized, Role, Disabled,
            DateTime.SpecifyKind(CreatedAt, DateTimeKind.Utc), DateTime.SpecifyKind(UpdatedAt, DateTimeKind.Utc),
            DateTime.SpecifyKind(PasswordChangedAt, DateTimeKind.Utc))
        {
            SessionsEndedAt = AsUtc(SessionsEndedAt),
            KeptSessionId = KeptSessionId,
            Email = Email,
            EmailVerified = EmailVerified,
            LastLoginAt = AsUtc(LastLoginAt),
        };
    }
}
