using Microsoft.AspNetCore.Authorization;

namespace UserApi.Authentication;

/// <summary>
/// The registered-user policy's one requirement: an access token of a registered user's session. It reads
/// the principal's field; ASP.NET Core's claim requirement would search the claims on every request.
/// </summary>
public sealed class RegisteredUserRequirement : AuthorizationHandler<RegisteredUserRequirement>, IAuthorizationRequirement
{
    public static readonly RegisteredUserRequirement Instance = new();

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, RegisteredUserRequirement requirement)
    {
        if (context.User.IsRegisteredUser())
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}
