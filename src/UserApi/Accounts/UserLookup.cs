using Microsoft.Extensions.Options;
using UserApi.Configuration;
using UserApi.Users;

namespace UserApi.Accounts;

/// <summary>Reading users for a caller: the caller's own account, or another user's name by id (seed 000).</summary>
public sealed class UserLookup(IUserStore users, IOptions<AuthOptions> options)
{
    /// <summary>The caller's own account: a disabled or deleted user's token no longer counts.</summary>
    public async ValueTask<Result<User>> CurrentUserAsync(long id, CancellationToken cancellationToken) =>
        await users.FindByIdAsync(id, cancellationToken) is { Disabled: false } user ? user : Failure.SessionRevoked;

    /// <summary>
    /// The user named by <paramref name="id"/>, as <paramref name="callerUserId"/> (null for an anonymous token)
    /// may see it. With private names another user's id is answered before any look-up, exactly as an id
    /// that does not exist, so the answer tells nothing about which ids are taken.
    /// </summary>
    public async ValueTask<Result<User>> FindUserAsync(long id, long? callerUserId, CancellationToken cancellationToken)
    {
        if (!options.Value.PublicUserNames && callerUserId != id)
        {
            return Failure.UserNotFound;
        }
        return await users.FindByIdAsync(id, cancellationToken) is { Disabled: false } user ? user : Failure.UserNotFound;
    }
}
