namespace UserApi.Users;

/// <summary>
/// A row of the <c>users</c> table, without its password hash: the row is cached (in process and in Redis), the hash
/// is read past every cache only where a password is verified (<see cref="Credentials"/>). Never serialised to a
/// client: responses are built from it.
/// </summary>
public sealed record User(
    long Id,
    string Username,
    string UsernameNormalized,
    string Role,
    bool Disabled,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime PasswordChangedAt)
{
    public const string DefaultRole = "user";

    /// <summary>When every session of the user started before it was ended (logout everywhere, password change, disable); null: never.</summary>
    public DateTime? SessionsEndedAt { get; init; }

    /// <summary>The one session <see cref="SessionsEndedAt"/> spared (the one that changed the password).</summary>
    public string? KeptSessionId { get; init; }

    /// <summary>The account's email as given (null: none), where verification and reset mails go.</summary>
    public string? Email { get; init; }

    /// <summary>Whether a mail sent to <see cref="Email"/> came back with its verification token.</summary>
    public bool EmailVerified { get; init; }
    /// <summary>
    /// The last successful login; read only where the database is read directly (<see cref="IUserStore.ReadAsync"/>,
    /// <see cref="IUserStore.ListAsync"/>), never cached: every login writes it, and a cached row must not be evicted for that.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public DateTime? LastLoginAt { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public SessionCutoff Cutoff => new(SessionsEndedAt, KeptSessionId);
}

/// <summary>
/// The durable record of the user's last "end every session": sessions that started before
/// <see cref="EndedAt"/>, but <see cref="KeptSessionId"/>, are over, whatever a session store still holds (a Redis
/// that lost its data or a write comes back with sessions that were ended).
/// </summary>
public sealed record SessionCutoff(DateTime? EndedAt, string? KeptSessionId)
{
    public bool Ends(string sessionId, DateTimeOffset sessionCreatedAt) =>
        EndedAt is { } endedAt && sessionId != KeptSessionId && sessionCreatedAt.UtcDateTime < endedAt;
}

/// <summary>
/// What a password is checked against, as the database holds it now: the hash, whether the account is disabled, its
/// <see cref="SessionCutoff"/>, and whether a second factor must follow the password, read in one query past every cache.
/// </summary>
public sealed record Credentials(string PasswordHash, bool Disabled, SessionCutoff Cutoff)
{
    /// <summary>The account has a confirmed second factor (TOTP): the password alone does not log in.</summary>
    public bool SecondFactor { get; init; }
}

/// <summary>What registration stores; an import may also keep the user's id from the system it comes from.</summary>
public sealed record NewUser(string Username, string UsernameNormalized, string PasswordHash, string Role, DateTime CreatedAt)
{
    /// <summary>The id to insert under; null lets the database number the row.</summary>
    public long? Id { get; init; }

    public bool Disabled { get; init; }

    public string? Email { get; init; }

    public string? EmailNormalized { get; init; }
}

/// <summary>Where an account's recovery mail would go, read for <c>forgot</c> past every cache.</summary>
public sealed record Mailbox(long UserId, string Username, string UsernameNormalized, string? Email, bool EmailVerified);
