using System.Security.Claims;

namespace UserApi.Authentication;

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
