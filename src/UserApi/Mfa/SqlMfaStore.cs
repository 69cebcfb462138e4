using System.Data.Common;
using Dapper;
using UserApi.Users;

namespace UserApi.Mfa;

/// <summary>The second factors on SQLite or MySQL through Dapper; parameterised SQL only, the same text for both.</summary>
public sealed class SqlMfaStore(SqlDialect dialect) : IMfaStore
{
    // InnoDB's default (repeatable read) locks the gap a DELETE of a user's absent codes searched, and two users
    // enrolling at once then deadlock on each other's INSERT; read committed takes no gap locks. (SQLite serialises.)
    private const System.Data.IsolationLevel NoGapLocks = System.Data.IsolationLevel.ReadCommitted;

    public async Task<MfaRecord?> ReadAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        var row = await connection.QuerySingleOrDefaultAsync<MfaRow>(new CommandDefinition(
            "SELECT secret AS Secret, enabled AS Enabled, pending_secret AS PendingSecret, last_step AS LastStep FROM user_mfa WHERE user_id = @userId",
            new { userId }, cancellationToken: cancellationToken));
        return row is null ? null : new MfaRecord(row.Secret, row.Enabled, row.PendingSecret, row.LastStep);
    }

    public async Task<bool> SetPendingAsync(long userId, string pendingSecret, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        var parameters = new { userId, pendingSecret, now };
        const string Update = "UPDATE user_mfa SET pending_secret = @pendingSecret, updated_at = @now WHERE user_id = @userId AND enabled = 0";
        if (await connection.ExecuteAsync(new CommandDefinition(Update, parameters, cancellationToken: cancellationToken)) == 1)
        {
            return true;
        }
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO user_mfa (user_id, enabled, pending_secret, last_step, updated_at) VALUES (@userId, 0, @pendingSecret, -1, @now)",
                parameters, cancellationToken: cancellationToken));
            return true;
        }
        catch (DbException e) when (dialect.IsUniqueViolation(e))
        {
            // A row appeared since the update: another enrolment (try the update once more) or a factor that is on.
            return await connection.ExecuteAsync(new CommandDefinition(Update, parameters, cancellationToken: cancellationToken)) == 1;
        }
    }

    public async Task<bool> EnableAsync(long userId, string pendingSecret, long step, IReadOnlyList<string> recoveryCodeHashes, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(NoGapLocks, cancellationToken);
        var enabled = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE user_mfa SET secret = pending_secret, pending_secret = NULL, enabled = 1, last_step = @step, updated_at = @now
            WHERE user_id = @userId AND enabled = 0 AND pending_secret = @pendingSecret
            """,
            new { userId, pendingSecret, step, now }, transaction, cancellationToken: cancellationToken));
        if (enabled != 1)
        {
            return false;
        }
        await ReplaceCodesAsync(connection, transaction, userId, recoveryCodeHashes, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<bool> UseStepAsync(long userId, long step, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE user_mfa SET last_step = @step WHERE user_id = @userId AND enabled = 1 AND last_step < @step",
            new { userId, step }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<bool> UseRecoveryCodeAsync(long userId, string codeHash, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM mfa_recovery_codes WHERE user_id = @userId AND code_hash = @codeHash",
            new { userId, codeHash }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<int> CountRecoveryCodesAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM mfa_recovery_codes WHERE user_id = @userId", new { userId }, cancellationToken: cancellationToken));
    }

    public async Task<bool> ReplaceRecoveryCodesAsync(long userId, IReadOnlyList<string> recoveryCodeHashes, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(NoGapLocks, cancellationToken);
        // Takes the row's lock, so that a concurrent disable cannot leave codes behind a factor that is off.
        var on = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE user_mfa SET enabled = 1 WHERE user_id = @userId AND enabled = 1", new { userId }, transaction, cancellationToken: cancellationToken));
        if (on != 1)
        {
            return false;
        }
        await ReplaceCodesAsync(connection, transaction, userId, recoveryCodeHashes, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<bool> RemoveAsync(long userId, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(NoGapLocks, cancellationToken);
        var wasOn = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM user_mfa WHERE user_id = @userId AND enabled = 1", new { userId }, transaction, cancellationToken: cancellationToken)) == 1;
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM user_mfa WHERE user_id = @userId; DELETE FROM mfa_recovery_codes WHERE user_id = @userId;",
            new { userId }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return wasOn;
    }

    private static async Task ReplaceCodesAsync(DbConnection connection, DbTransaction transaction, long userId, IReadOnlyList<string> hashes, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM mfa_recovery_codes WHERE user_id = @userId", new { userId }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO mfa_recovery_codes (user_id, code_hash) VALUES (@userId, @codeHash)",
            hashes.Select(codeHash => new { userId, codeHash }), transaction, cancellationToken: cancellationToken));
    }

    private sealed class MfaRow
    {
        public string? Secret { get; init; }
        public bool Enabled { get; init; }
        public string? PendingSecret { get; init; }
        public long LastStep { get; init; }
    }
}
