using UserApi.Accounts;
using UserApi.Audit;

namespace UserApi.Contracts;

public sealed record CreateUserRequest(string? Username, string? Password, string? Role);

/// <summary><c>PATCH /admin/users/{id}</c>: an absent field is left as it is.</summary>
public sealed record UpdateUserRequest(string? Role, bool? Disabled);

/// <summary>A user as the admin API shows it; never its password hash.</summary>
public sealed record AdminUserResponse(
    long Id,
    string Username,
    string Role,
    bool Disabled,
    bool Locked,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastLoginAt,
    int Sessions)
{
    public static AdminUserResponse From(AdministeredUser user) => new(
        user.User.Id, user.User.Username, user.User.Role, user.User.Disabled, user.Locked,
        new DateTimeOffset(user.User.CreatedAt, TimeSpan.Zero),
        user.User.LastLoginAt is { } at ? new DateTimeOffset(at, TimeSpan.Zero) : null,
        user.Sessions);
}

/// <summary>A page of users; <c>next</c> is the <c>after</c> of the next page, null on the last.</summary>
public sealed record AdminUserPageResponse(IReadOnlyList<AdminUserResponse> Users, long? Next)
{
    public static AdminUserPageResponse From(UserPage page) => new([.. page.Users.Select(AdminUserResponse.From)], page.Next);
}

public sealed record RevokeAllResponse(DateTimeOffset EndedAt);

/// <summary>One audit event; never a password, hash or token.</summary>
public sealed record AuditEventResponse(
    long Id,
    DateTimeOffset Time,
    string Type,
    string Outcome,
    long? ActorUserId,
    long? SubjectUserId,
    string? SessionId,
    string? ClientIp,
    string? UserAgent,
    string? RequestId)
{
    public static AuditEventResponse From(AuditRecord record) => new(
        record.Id, new DateTimeOffset(record.OccurredAt, TimeSpan.Zero), record.Type, record.Outcome, record.ActorUserId, record.SubjectUserId,
        record.SessionId, record.ClientIp, record.UserAgent, record.RequestId);
}

/// <summary>A page of audit events, newest first; <c>next</c> is the <c>after</c> of the next (older) page, null on the last.</summary>
public sealed record AuditPageResponse(IReadOnlyList<AuditEventResponse> Events, long? Next);
