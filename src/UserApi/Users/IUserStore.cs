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
}
