using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using UserApi.Tokens;

namespace UserApi.Endpoints;

/// <summary>The caller, as the validated access token names them (<see cref="AccessTokenPrincipal"/>).</summary>
public static class CallerClaims
{
    /// <summary>Whether the caller is a registered user's session rather than an anonymous token.</summary>
    public static bool IsRegisteredUser(this ClaimsPrincipal principal) => principal is AccessTokenPrincipal { UserId: not null };

    /// <summary>The user id of a caller that passed the registered-user policy.</summary>
    public static long UserId(this ClaimsPrincipal principal) =>
        (principal as AccessTokenPrincipal)?.UserId ?? throw new InvalidOperationException("The endpoint lacks the registered-user policy.");

    /// <summary>The session id of a caller that passed the registered-user policy.</summary>
    public static string SessionId(this ClaimsPrincipal principal) =>
        (principal as AccessTokenPrincipal)?.SessionId ?? throw new InvalidOperationException("The endpoint lacks the registered-user policy.");
}

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

/// <summary>Marks an endpoint that still accepts an access token whose session was revoked (logout is idempotent).</summary>
public sealed class AllowRevokedSessionMetadata
{
    public static readonly AllowRevokedSessionMetadata Instance = new();
}
