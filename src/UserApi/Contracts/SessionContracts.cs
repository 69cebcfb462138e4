using UserApi.Sessions;

namespace UserApi.Contracts;

public sealed record ChangePasswordRequest(string? OldPassword, string? NewPassword);

/// <summary>One of the caller's sessions; <c>current</c> marks the one the request's token belongs to.</summary>
public sealed record SessionResponse(string Id, DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt, string? Ip, string? UserAgent, bool Current)
{
    public static SessionResponse From(Session session, string? currentSessionId) =>
        new(session.Id, session.CreatedAt, session.LastUsedAt, session.Ip, session.UserAgent, session.Id == currentSessionId);
}

public sealed record SessionListResponse(IReadOnlyList<SessionResponse> Sessions);
