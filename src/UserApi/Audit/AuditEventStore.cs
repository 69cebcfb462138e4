using Dapper;
using UserApi.Users;

namespace UserApi.Audit;

/// <summary>The <c>audit_events</c> table on SQLite or MySQL: appended in batches, read newest first, swept by age.</summary>
public sealed class AuditEventStore(SqlDialect dialect)
{
    private const string Columns = "occurred_at, type, outcome, actor_user_id, subject_user_id, session_id, client_ip, user_agent, request_id";

    // Rows per INSERT statement: 9 parameters each stays far below SQLite's and MySQL's parameter limits.
    private const int RowsPerStatement = 100;

    /// <summary>
    /// Writes the batch in one transaction (one commit, one fsync) of multi-row INSERTs: a statement per event
    /// cost a refresh about a third more server CPU in embedded mode (bench/RESULTS.md, the audit log's cost).
    /// </summary>
    public async Task AppendAsync(IReadOnlyList<AuditRecord> batch, CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        for (var start = 0; start < batch.Count; start += RowsPerStatement)
        {
            var rows = Math.Min(RowsPerStatement, batch.Count - start);
            var parameters = new DynamicParameters();
            var values = new System.Text.StringBuilder();
            for (var i = 0; i < rows; i++)
            {
                var record = batch[start + i];
                values.Append(i == 0 ? "" : ",").Append($"(@t{i}, @y{i}, @o{i}, @a{i}, @s{i}, @e{i}, @c{i}, @u{i}, @r{i})");
                parameters.Add($"t{i}", record.OccurredAt);
                parameters.Add($"y{i}", record.Type);
                parameters.Add($"o{i}", record.Outcome);
                parameters.Add($"a{i}", record.ActorUserId);
                parameters.Add($"s{i}", record.SubjectUserId);
                parameters.Add($"e{i}", record.SessionId);
                parameters.Add($"c{i}", record.ClientIp);
                parameters.Add($"u{i}", record.UserAgent);
                parameters.Add($"r{i}", record.RequestId);
            }
            await connection.ExecuteAsync(new CommandDefinition(
                $"INSERT INTO audit_events ({Columns}) VALUES {values}", parameters, transaction, cancellationToken: cancellationToken));
        }
        await transaction.CommitAsync(cancellationToken);
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
