using UserApi.Users;

namespace UserApi.Accounts;

/// <summary>Reading users for a caller: the caller's own account, or another user's name by id (seed 000).</summary>
public sealed class UserLookup(IUserStore users)
{
    /// <summary>The caller's own account: a disabled or deleted user's token no longer counts.</summary>
    public async ValueTask<Result<User>> CurrentUserAsync(long id, CancellationToken cancellationToken) =>
        await users.FindByIdAsync(id, cancellationToken) is { Disabled: false } user ? user : Failure.SessionRevoked;

    public async ValueTask<Result<User>> FindUserAsync(long id, CancellationToken cancellationToken) =>
        await users.FindByIdAsync(id, cancellationToken) is { Disabled: false } user ? user : Failure.UserNotFound;
}
