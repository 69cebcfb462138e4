using System.Data.Common;
using System.Text;
using Dapper;
using UserApi.Users;

namespace UserApi.Audit;

/// <summary>The <c>audit_events</c> table on SQLite or MySQL: appended in batches, read newest first, swept by age.</summary>
public sealed class AuditEventStore(SqlDialect dialect)
{
    private const string Columns = "occurred_at, type, outcome, actor_user_id, subject_user_id, session_id, client_ip, user_agent, request_id";
    private const int ColumnCount = 9;

    /// <summary>
    /// Writes the batch in one transaction (one commit, one fsync) through one command of
    /// <see cref="SqlDialect.RowsPerInsert"/> rows, its parameters bound again for each group (SQLite keeps the
    /// statement compiled between executions). Not Dapper here: its parameters are matched by name, in a list, so a
    /// statement of hundreds of them cost more per event than the refresh that recorded it (bench/RESULTS.md, the
    /// audit log's cost).
    /// </summary>
    public async Task AppendAsync(IReadOnlyList<AuditRecord> batch, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var written = 0;
        while (written < batch.Count)
        {
            var rows = Math.Min(dialect.RowsPerInsert, batch.Count - written);
            await using var insert = InsertCommand(connection, transaction, rows);
            for (; batch.Count - written >= rows; written += rows)
            {
                for (var i = 0; i < rows; i++)
                {
                    Bind(insert.Parameters, i * ColumnCount, batch[written + i]);
                }
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static DbCommand InsertCommand(DbConnection connection, DbTransaction transaction, int rows)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        var values = new StringBuilder();
        for (var i = 0; i < rows * ColumnCount; i++)
        {
            values.Append(i % ColumnCount == 0 ? (i == 0 ? "(" : "),(") : ",").Append("@p").Append(i);
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@p" + i;
            command.Parameters.Add(parameter);
        }
        command.CommandText = $"INSERT INTO audit_events ({Columns}) VALUES {values})";
        return command;
    }

    private static void Bind(DbParameterCollection parameters, int first, AuditRecord record)
    {
        parameters[first].Value = record.OccurredAt;
        parameters[first + 1].Value = record.Type;
        parameters[first + 2].Value = record.Outcome;
        parameters[first + 3].Value = (object?)record.ActorUserId ?? DBNull.Value;
        parameters[first + 4].Value = (object?)record.SubjectUserId ?? DBNull.Value;
        parameters[first + 5].Value = (object?)record.SessionId ?? DBNull.Value;
        parameters[first + 6].Value = (object?)record.ClientIp ?? DBNull.Value;
        parameters[first + 7].Value = (object?)record.UserAgent ?? DBNull.Value;
        parameters[first + 8].Value = (object?)record.RequestId ?? DBNull.Value;
    }

    public async Task<IReadOnlyList<AuditRecord>> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var conditions = new List<string>();
        if (query.UserId is not null)
        {
            conditions.Add("(subject_user_id = @UserId OR actor_user_id = @UserId)");
        }
        if (query.Type is not null)
        {
            conditions.Add("type = @Type");
        }
        if (query.Since is not null)
        {
            conditions.Add("occurred_at >= @Since");
        }
        if (query.Until is not null)
        {
            conditions.Add("occurred_at < @Until");
        }
        if (query.BeforeId is not null)
        {
            conditions.Add("id < @BeforeId");
        }
        var where = conditions.Count == 0 ? "" : "WHERE " + string.Join(" AND ", conditions);
        await using var connection = dialect.CreateConnection();
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"""
            SELECT id AS Id, occurred_at AS OccurredAt, type AS Type, outcome AS Outcome, actor_user_id AS ActorUserId, subject_user_id AS SubjectUserId,
                   session_id AS SessionId, client_ip AS ClientIp, user_agent AS UserAgent, request_id AS RequestId
            FROM audit_events {where} ORDER BY id DESC LIMIT @Limit
            """,
            query, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToRecord())];
    }

    /// <summary>Deletes the events that happened before <paramref name="cutoff"/>; returns how many.</summary>
    public async Task<int> DeleteBeforeAsync(DateTime cutoff, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM audit_events WHERE occurred_at < @cutoff", new { cutoff }, cancellationToken: cancellationToken));
    }

    private sealed class Row
    {
        public long Id { get; init; }
        public DateTime OccurredAt { get; init; }
        public string Type { get; init; } = "";
        public string Outcome { get; init; } = "";
        public long? ActorUserId { get; init; }
        public long? SubjectUserId { get; init; }
        public string? SessionId { get; init; }
        public string? ClientIp { get; init; }
        public string? UserAgent { get; init; }
        public string? RequestId { get; init; }

        public AuditRecord ToRecord() => new(Id, DateTime.SpecifyKind(OccurredAt, DateTimeKind.Utc), Type, Outcome, ActorUserId, SubjectUserId,
            SessionId, ClientIp, UserAgent, RequestId);
    }
}
