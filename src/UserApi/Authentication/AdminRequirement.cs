using Microsoft.AspNetCore.Authorization;
using UserApi.Accounts;

namespace UserApi.Authentication;

/// <summary>
/// The admin policy's requirement: the caller's user is an enabled admin as the database holds it now, not as the
/// token says: the <c>role</c> claim lasts as long as the token, and an admin demoted or disabled must lose the
/// admin API on the next request, with the same token. Admin requests are few; each reads the user's row.
/// </summary>
public sealed class AdminRequirement : IAuthorizationRequirement
{
    public static readonly AdminRequirement Instance = new();
}

/// <summary>Checks <see cref="AdminRequirement"/> against the store (<see cref="UserAdministration.IsAdminAsync"/>).</summary>
public sealed class AdminRequirementHandler(UserAdministration administration) : AuthorizationHandler<AdminRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, AdminRequirement requirement)
    {
        if (context.User is AccessTokenPrincipal { UserId: { } userId } && await administration.IsAdminAsync(userId, CancellationToken.None))
        {
            context.Succeed(requirement);
        }
    }
}
