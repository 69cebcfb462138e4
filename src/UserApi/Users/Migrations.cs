using Dapper;
using Microsoft.Extensions.Logging;
using UserApi.Configuration;

namespace UserApi.Users;

/// <summary>One schema change, written once per database; versions only ever grow.</summary>
public sealed record Migration(int Version, string Description, string Sqlite, string MySql)
{
    public string SqlFor(DataSourceKind kind) => kind == DataSourceKind.Sqlite ? Sqlite : MySql;
}

/// <summary>The versioned schema, applied at start-up or by <c>user-api migrate</c>, the same list for both databases.</summary>
public sealed class Migrations(SqlDialect dialect, ILogger<Migrations> logger)
{
    public static readonly IReadOnlyList<Migration> All =
    [
        new(1, "create users",
            """
            CREATE TABLE users (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                username TEXT NOT NULL,
                username_normalized TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                role TEXT NOT NULL DEFAULT 'user',
                disabled INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                password_changed_at TEXT NOT NULL
            );
            CREATE UNIQUE INDEX ux_users_username_normalized ON users (username_normalized);
            """,
            """
            CREATE TABLE users (
                id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
                username VARCHAR(255) NOT NULL,
                username_normalized VARCHAR(255) NOT NULL,
                password_hash VARCHAR(255) NOT NULL,
                role VARCHAR(32) NOT NULL DEFAULT 'user',
                disabled TINYINT(1) NOT NULL DEFAULT 0,
                created_at DATETIME(6) NOT NULL,
                updated_at DATETIME(6) NOT NULL,
                password_changed_at DATETIME(6) NOT NULL,
                UNIQUE KEY ux_users_username_normalized (username_normalized)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
            """),
        new(2, "record when a user's sessions were last ended",
            """
            ALTER TABLE users ADD COLUMN sessions_ended_at TEXT NULL;
            ALTER TABLE users ADD COLUMN kept_session_id TEXT NULL;
            """,
            """
            ALTER TABLE users ADD COLUMN sessions_ended_at DATETIME(6) NULL, ADD COLUMN kept_session_id VARCHAR(64) NULL;
            """),
        new(3, "record user changes for a running embedded server to watch",
            """
            CREATE TABLE user_changes (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id INTEGER NOT NULL,
                origin TEXT NOT NULL,
                changed_at TEXT NOT NULL
            );
            """,
            """
            CREATE TABLE user_changes (
                id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
                user_id BIGINT NOT NULL,
                origin VARCHAR(32) NOT NULL,
                changed_at DATETIME(6) NOT NULL
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
            """),
        new(4, "administration: last login, the audit log, the end of every session",
            """
            ALTER TABLE users ADD COLUMN last_login_at TEXT NULL;
            CREATE TABLE audit_events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                occurred_at TEXT NOT NULL,
                type TEXT NOT NULL,
                outcome TEXT NOT NULL,
                actor_user_id INTEGER NULL,
                subject_user_id INTEGER NULL,
                session_id TEXT NULL,
                client_ip TEXT NULL,
                user_agent TEXT NULL,
                request_id TEXT NULL
            );
            CREATE INDEX ix_audit_events_occurred_at ON audit_events (occurred_at);
            CREATE INDEX ix_audit_events_subject ON audit_events (subject_user_id, id);
            CREATE TABLE all_sessions_ended (
                id INTEGER PRIMARY KEY,
                ended_at TEXT NOT NULL
            );
            """,
            """
            ALTER TABLE users ADD COLUMN last_login_at DATETIME(6) NULL;
            CREATE TABLE audit_events (
                id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
                occurred_at DATETIME(6) NOT NULL,
                type VARCHAR(64) NOT NULL,
                outcome VARCHAR(64) NOT NULL,
                actor_user_id BIGINT NULL,
                subject_user_id BIGINT NULL,
                session_id VARCHAR(64) NULL,
                client_ip VARCHAR(64) NULL,
                user_agent VARCHAR(256) NULL,
                request_id VARCHAR(128) NULL,
                KEY ix_audit_events_occurred_at (occurred_at),
                KEY ix_audit_events_subject (subject_user_id, id)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
            CREATE TABLE all_sessions_ended (
                id INT NOT NULL PRIMARY KEY,
                ended_at DATETIME(6) NOT NULL
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
            """),
        new(5, "email on the account, recovery tokens and the mail outbox",
            """
            ALTER TABLE users ADD COLUMN email TEXT NULL;
            ALTER TABLE users ADD COLUMN email_normalized TEXT NULL;
            ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;
            CREATE UNIQUE INDEX ux_users_email_normalized ON users (email_normalized);
            CREATE TABLE recovery_tokens (
                token_hash TEXT NOT NULL PRIMARY KEY,
                user_id INTEGER NOT NULL,
                purpose TEXT NOT NULL,
                email_normalized TEXT NULL,
                expires_at TEXT NOT NULL,
                created_at TEXT NOT NULL
            );
            CREATE INDEX ix_recovery_tokens_user ON recovery_tokens (user_id, purpose);
            CREATE TABLE mail_outbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                message TEXT NOT NULL,
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TEXT NOT NULL,
                claimed_by TEXT NULL,
                lease_until TEXT NULL,
                sent_at TEXT NULL,
                failed_at TEXT NULL,
                last_error TEXT NULL
            );
            CREATE INDEX ix_mail_outbox_due ON mail_outbox (sent_at, failed_at, next_attempt_at);
            """,
            """
            ALTER TABLE users ADD COLUMN email VARCHAR(320) NULL, ADD COLUMN email_normalized VARCHAR(320) NULL,
                ADD COLUMN email_verified TINYINT(1) NOT NULL DEFAULT 0, ADD UNIQUE KEY ux_users_email_normalized (email_normalized);
            CREATE TABLE recovery_tokens (
                token_hash CHAR(64) NOT NULL PRIMARY KEY,
                user_id BIGINT NOT NULL,
                purpose VARCHAR(16) NOT NULL,
                email_normalized VARCHAR(320) NULL,
                expires_at DATETIME(6) NOT NULL,
                created_at DATETIME(6) NOT NULL,
                KEY ix_recovery_tokens_user (user_id, purpose)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
            CREATE TABLE mail_outbox (
                id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
                message MEDIUMTEXT NOT NULL,
                created_at DATETIME(6) NOT NULL,
                expires_at DATETIME(6) NOT NULL,
                attempts INT NOT NULL DEFAULT 0,
                next_attempt_at DATETIME(6) NOT NULL,
                claimed_by VARCHAR(64) NULL,
                lease_until DATETIME(6) NULL,
                sent_at DATETIME(6) NULL,
                failed_at DATETIME(6) NULL,
                last_error VARCHAR(512) NULL,
                KEY ix_mail_outbox_due (sent_at, failed_at, next_attempt_at)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
            """),
        new(6, "second factors: TOTP secrets (encrypted) and recovery codes (hashed)",
            """
            CREATE TABLE user_mfa (
                user_id INTEGER NOT NULL PRIMARY KEY,
                secret TEXT NULL,
                enabled INTEGER NOT NULL DEFAULT 0,
                pending_secret TEXT NULL,
                last_step INTEGER NOT NULL DEFAULT -1,
                updated_at TEXT NOT NULL
            );
            CREATE TABLE mfa_recovery_codes (
                user_id INTEGER NOT NULL,
                code_hash TEXT NOT NULL,
                PRIMARY KEY (user_id, code_hash)
            );
            """,
            """
            CREATE TABLE user_mfa (
                user_id BIGINT NOT NULL PRIMARY KEY,
                secret VARCHAR(255) NULL,
                enabled TINYINT(1) NOT NULL DEFAULT 0,
                pending_secret VARCHAR(255) NULL,
                last_step BIGINT NOT NULL DEFAULT -1,
                updated_at DATETIME(6) NOT NULL
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
            CREATE TABLE mfa_recovery_codes (
                user_id BIGINT NOT NULL,
                code_hash CHAR(64) NOT NULL,
                PRIMARY KEY (user_id, code_hash)
            ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
            """),
    ];

    /// <summary>Applies every migration not yet recorded in <c>schema_migrations</c>; returns how many ran.</summary>
    public async Task<int> ApplyAsync(CancellationToken cancellationToken)
    {
        await dialect.EnsureDatabaseExistsAsync(cancellationToken);
        await using var connection = dialect.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var migrationLock = await dialect.LockForMigrationAsync(connection, cancellationToken);

        await connection.ExecuteAsync(new CommandDefinition(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, description VARCHAR(255) NOT NULL, applied_at VARCHAR(40) NOT NULL)",
            cancellationToken: cancellationToken));
        var applied = (await connection.QueryAsync<int>(new CommandDefinition(
            "SELECT version FROM schema_migrations", cancellationToken: cancellationToken))).ToHashSet();

        var count = 0;
        foreach (var migration in All.Where(m => !applied.Contains(m.Version)).OrderBy(m => m.Version))
        {
            // MySQL commits DDL implicitly, so the version row is what makes a migration count as done.
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(migration.SqlFor(dialect.Kind), transaction: transaction, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO schema_migrations (version, description, applied_at) VALUES (@Version, @Description, @AppliedAt)",
                new { migration.Version, migration.Description, AppliedAt = DateTime.UtcNow.ToString("O") },
                transaction, cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
            logger.LogInformation("Applied migration {Version}: {Description}", migration.Version, migration.Description);
            count++;
        }
        return count;
    }
}
