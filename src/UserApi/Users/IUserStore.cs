namespace UserApi.Users;

/// <summary>The user table. Store failures (database down) surface as exceptions; expected outcomes do not.</summary>
public interface IUserStore
{
    Task<User?> FindByIdAsync(long id, CancellationToken cancellationToken);

    Task<User?> FindByUsernameAsync(string usernameNormalized, CancellationToken cancellationToken);

    /// <summary>Inserts the user; null when the normalised username (or the given id) is taken.</summary>
    Task<User?> CreateAsync(NewUser user, CancellationToken cancellationToken);

    Task UpdatePasswordHashAsync(long id, string passwordHash, bool passwordChanged, DateTime now, CancellationToken cancellationToken);

    Task SetDisabledAsync(long id, bool disabled, DateTime now, CancellationToken cancellationToken);

    Task DeleteAsync(User user, CancellationToken cancellationToken);

    /// <summary>Records, durably, that every session started before <paramref name="at"/> but <paramref name="keptSessionId"/> is over.</summary>
    Task EndSessionsAsync(long id, DateTime at, string? keptSessionId, CancellationToken cancellationToken);

    /// <summary>The user's <see cref="SessionCutoff"/> as the database holds it now, past every cache; null when there is no such user.</summary>
    Task<SessionCutoff?> ReadSessionCutoffAsync(long id, CancellationToken cancellationToken);

    /// <summary>The user's <see cref="Credentials"/> as the database holds them now, past every cache; null when there is no such user.</summary>
    Task<Credentials?> ReadCredentialsAsync(long id, CancellationToken cancellationToken);

    /// <summary>Sets the user's email (null: removes it), not verified; false when another account has the address.</summary>
    Task<bool> SetEmailAsync(long id, string? email, string? emailNormalized, DateTime now, CancellationToken cancellationToken);

    /// <summary>Marks the user's email verified if it is still <paramref name="emailNormalized"/>; false when it is not.</summary>
    Task<bool> MarkEmailVerifiedAsync(long id, string emailNormalized, DateTime now, CancellationToken cancellationToken);

    /// <summary>
    /// The account named by its normalised username or (when that is null) its normalised email, read from the database
    /// past every cache: one indexed query, whether or not the account exists. Null when none matches.
    /// </summary>
    Task<Mailbox?> FindMailboxAsync(string? usernameNormalized, string? emailNormalized, CancellationToken cancellationToken);
    /// <summary>The user as the database holds it now, past every cache, with <see cref="User.LastLoginAt"/>; null when there is none.</summary>
    Task<User?> ReadAsync(long id, CancellationToken cancellationToken);

    /// <summary>
    /// Users whose normalised name starts with <paramref name="usernamePrefix"/> and whose id is above <paramref name="afterId"/>,
    /// by id, at most <paramref name="limit"/>, as the database holds them (keyset paging: a page never shifts under inserts).
    /// </summary>
    Task<IReadOnlyList<User>> ListAsync(string usernamePrefix, long afterId, int limit, CancellationToken cancellationToken);

    Task SetRoleAsync(long id, string role, DateTime now, CancellationToken cancellationToken);

    /// <summary>Records a successful login's time; no cached row holds it, so nothing is evicted.</summary>
    Task RecordLoginAsync(long id, DateTime at, CancellationToken cancellationToken);

    /// <summary>Records, durably, that every session of every user started before <paramref name="at"/> is over; never moved back.</summary>
    Task EndEverySessionAsync(DateTime at, CancellationToken cancellationToken);

    /// <summary>The time <see cref="EndEverySessionAsync"/> last recorded; null: never.</summary>
    Task<DateTime?> ReadEverySessionEndedAtAsync(CancellationToken cancellationToken);
}
