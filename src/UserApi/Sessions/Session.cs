namespace UserApi.Sessions;

/// <summary>
/// A login: the refresh-token family it started. <see cref="RefreshJti"/> is the only refresh token of
/// the family that may be used next; <see cref="RotatedAt"/> is when it was issued.
/// </summary>
public sealed record Session(
    string Id,
    long UserId,
    string RefreshJti,
    string? PreviousRefreshJti,
    DateTimeOffset CreatedAt,
    DateTimeOffset RotatedAt,
    DateTimeOffset LastUsedAt,
    DateTimeOffset ExpiresAt,
    string? Ip,
    string? UserAgent);

public enum RotationStatus
{
    /// <summary>The presented token was current: the session now holds the new one.</summary>
    Rotated,

    /// <summary>The presented token was already used: the whole session has been revoked.</summary>
    Reused,

    /// <summary>No such live session (never existed, expired, or revoked).</summary>
    NotFound,
}

public sealed record RotationResult(RotationStatus Status, Session? Session);
