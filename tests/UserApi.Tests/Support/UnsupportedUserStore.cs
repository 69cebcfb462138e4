using UserApi.Users;

namespace UserApi.Tests.Support;

/// <summary>
/// A base for unit tests' fake user stores: every member throws until the fake overrides the few its test uses, so a
/// member added to <see cref="IUserStore"/> is one line here, not one per fake.
/// </summary>
public abstract class UnsupportedUserStore : IUserStore
{
    public virtual Task<User?> FindByIdAsync(long id, CancellationToken cancellationToken) => throw new NotSupportedException();

    public virtual Task<User?> FindByUsernameAsync(string usernameNormalized, CancellationToken cancellationToken) => throw new NotSupportedException();

    public virtual Task<User?> CreateAsync(NewUser user, CancellationToken cancellationToken) => throw new NotSupportedException();

    public virtual Task UpdatePasswordHashAsync(long id, string passwordHash, bool passwordChanged, DateTime now, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public virtual Task SetDisabledAsync(long id, bool disabled, DateTime now, CancellationToken cancellationToken) => throw new NotSupportedException();

    public virtual Task DeleteAsync(User user, CancellationToken cancellationToken) => throw new NotSupportedException();

    public virtual Task EndSessionsAsync(long id, DateTime at, string? keptSessionId, CancellationToken cancellationToken) => throw new NotSupportedException();

    public virtual Task<SessionCutoff?> ReadSessionCutoffAsync(long id, CancellationToken cancellationToken) => throw new NotSupportedException();

    public virtual Task<Credentials?> ReadCredentialsAsync(long id, CancellationToken cancellationToken) => throw new NotSupportedException();

    public virtual Task<bool> SetEmailAsync(long id, string? email, string? emailNormalized, DateTime now, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public virtual Task<bool> MarkEmailVerifiedAsync(long id, string emailNormalized, DateTime now, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public virtual Task<Mailbox?> FindMailboxAsync(string? usernameNormalized, string? emailNormalized, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public virtual Task<User?> ReadAsync(long id, CancellationToken cancellationToken) => throw new NotSupportedException();

    public virtual Task<IReadOnlyList<User>> ListAsync(string usernamePrefix, long afterId, int limit, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public virtual Task SetRoleAsync(long id, string role, DateTime now, CancellationToken cancellationToken) => throw new NotSupportedException();

    public virtual Task RecordLoginAsync(long id, DateTime at, CancellationToken cancellationToken) => throw new NotSupportedException();

    public virtual Task EndEverySessionAsync(DateTime at, CancellationToken cancellationToken) => throw new NotSupportedException();

    public virtual Task<DateTime?> ReadEverySessionEndedAtAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
}
