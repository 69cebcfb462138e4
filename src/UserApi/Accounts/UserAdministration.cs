using Microsoft.Extensions.Logging;
using UserApi.Sessions;
using UserApi.Users;

namespace UserApi.Accounts;

/// <summary>An operator's actions on an account by name (the CLI's <c>disable</c>, <c>enable</c> and <c>delete</c>).</summary>
public sealed class UserAdministration(IUserStore users, SessionRevoker revoker, TimeProvider time, ILogger<UserAdministration> logger)
{
    /// <summary>Disables (or re-enables) an account; disabling ends all its sessions on every instance.</summary>
    public async Task<Result<User>> SetDisabledAsync(string username, bool disabled, CancellationToken cancellationToken)
    {
        if (await FindByUsernameAsync(username, cancellationToken) is not { } user)
        {
            return Failure.UserNotFound;
        }
        await users.SetDisabledAsync(user.Id, disabled, time.GetUtcNow().UtcDateTime, cancellationToken);
        if (disabled)
        {
            await revoker.RevokeAllAsync(user.Id, null, cancellationToken);
        }
        return user with { Disabled = disabled };
    }

    /// <summary>Deletes an account and ends its sessions on every instance.</summary>
    public async Task<Result<User>> DeleteAsync(string username, CancellationToken cancellationToken)
    {
        if (await FindByUsernameAsync(username, cancellationToken) is not { } user)
        {
            return Failure.UserNotFound;
        }
        await revoker.RevokeAllAsync(user.Id, null, cancellationToken);
        await users.DeleteAsync(user, cancellationToken);
        logger.LogInformation("Deleted user {UserId}", user.Id);
        return user;
    }

    private async Task<User?> FindByUsernameAsync(string username, CancellationToken cancellationToken) =>
        Username.Normalize(username) is { } normalized ? await users.FindByUsernameAsync(normalized, cancellationToken) : null;
}
