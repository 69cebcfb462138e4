namespace UserApi.Audit;

/// <summary>A row of <c>audit_events</c>: the event, when it happened and the request it came with.</summary>
public sealed record AuditRecord(
    long Id,
    DateTime OccurredAt,
    string Type,
    string Outcome,
    long? ActorUserId,
    long? SubjectUserId,
    string? SessionId,
    string? ClientIp,
    string? UserAgent,
    string? RequestId);

/// <summary>
/// What <c>GET /admin/audit</c> asks for: events of a user (as actor or subject), of a type, within a time range,
/// newest first, the ids below <see cref="BeforeId"/> (keyset paging).
/// </summary>
public sealed record AuditQuery(long? UserId, string? Type, DateTime? Since, DateTime? Until, long? BeforeId, int Limit);
