using UserApi.Audit;

namespace UserApi.Accounts;

/// <summary>A page of audit events, newest first; <see cref="Next"/> is the id to ask before, null on the last page.</summary>
public sealed record AuditPage(IReadOnlyList<AuditRecord> Events, long? Next);

/// <summary>Reading the audit log for an admin (<c>GET /admin/audit</c>): filters checked, newest first, keyset-paged by id.</summary>
public sealed class AuditTrail(AuditEventStore store)
{
    public const int MaxPageSize = 500;
    public const int DefaultPageSize = 100;

    public async Task<Result<AuditPage>> ReadAsync(long? userId, string? type, DateTimeOffset? since, DateTimeOffset? until, long? after, int? limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            return Failure.Validation("limit", $"must be 1 to {MaxPageSize}");
        }
        if (since is not null && until is not null && since > until)
        {
            return Failure.Validation("since", "must not be after until");
        }
        if (type is { Length: > 64 })
        {
            return Failure.Validation("type", "must be an event type");
        }
        var size = limit ?? DefaultPageSize;
        var found = await store.QueryAsync(new AuditQuery(userId, type, since?.UtcDateTime, until?.UtcDateTime, after, size + 1), cancellationToken);
        var page = found.Take(size).ToList();
        return new AuditPage(page, found.Count > size ? page[^1].Id : null);
    }
}
