namespace UserApi.Sessions;

/// <summary>
/// A login: the refresh-token family it started. <see cref="RefreshJti"/> is the only refresh token of
/// the family that may be used next; <see cref="LastUsedAt"/> is when it was issued (the login or the
/// last refresh), and <see cref="PreviousRefreshJti"/> the one it replaced (honoured for a short grace
/// window).
/// </summary>
public sealed record Session(
    string Id,
    long UserId,
    string RefreshJti,
    string? PreviousRefreshJti,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUsedAt,
    DateTimeOffset ExpiresAt,
    string? Ip,
    string? UserAgent)
{
    /// <summary>Whether the login proved a second factor besides the password: the <c>amr</c> of every access token of the session (RFC 8176).</summary>
    public bool SecondFactor { get; init; }

    /// <summary>
    /// The session as every store keeps it, so that every store reads back the same: times to the millisecond,
    /// the IP and user agent on one line (a header value may hold tabs, RFC 9110 §5.5, which would split the Redis
    /// record), and an empty value as absent.
    /// </summary>
    public Session AsStored() => this with
    {
        CreatedAt = ToMillisecond(CreatedAt),
        LastUsedAt = ToMillisecond(LastUsedAt),
        ExpiresAt = ToMillisecond(ExpiresAt),
        Ip = OneLine(Ip),
        UserAgent = OneLine(UserAgent),
    };

    public static DateTimeOffset ToMillisecond(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    private static string? OneLine(string? value) =>
        string.IsNullOrEmpty(value) ? null : value.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
}

public enum RotationStatus
{
    /// <summary>The presented token was current: the session now holds the new one.</summary>
    Rotated,

    /// <summary>The presented token was the previous one, within the grace window: the current pair is issued again.</summary>
    Replayed,

    /// <summary>The presented token was spent: the whole session has been deleted.</summary>
    Reused,

    /// <summary>No such live session (never existed, expired, idle too long, or revoked).</summary>
    NotFound,
}

/// <param name="RevokedUntil">For <see cref="RotationStatus.Reused"/>: until when the store recorded the session revoked (see <see cref="EndedSessions"/>).</param>
public sealed record RotationResult(RotationStatus Status, Session? Session, DateTimeOffset? RevokedUntil = null);

/// <summary>
/// Sessions a store call ended. <paramref name="RevokedUntil"/> is until when the store recorded them revoked,
/// in the same atomic step as ending them (Redis: on Redis's clock, and published to every instance); null when
/// the store keeps no revocations (in process, where the caller's <see cref="RevocationList"/> is the record).
/// </summary>
public sealed record EndedSessions(IReadOnlyList<string> Ids, DateTimeOffset? RevokedUntil)
{
    public static readonly EndedSessions None = new([], null);
}

/// <summary>The rules a rotation applies, from <c>Auth</c>.</summary>
/// <param name="ReuseInterval">How long the previous refresh token still yields the current pair; zero disables.</param>
/// <param name="IdleTimeout">How long a session may go unrefreshed; zero means only the absolute expiry applies.</param>
public readonly record struct RotationPolicy(TimeSpan ReuseInterval, TimeSpan IdleTimeout);
