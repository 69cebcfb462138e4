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
}
