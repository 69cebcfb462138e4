using System.Globalization;
using System.Security.Claims;
using UserApi.Tokens;

namespace UserApi.Endpoints;

/// <summary>The caller, as the validated access token names them.</summary>
public static class CallerClaims
{
    /// <summary>The <c>userId</c> claim of a token that passed the registered-user policy.</summary>
    public static long UserId(this ClaimsPrincipal principal) =>
        long.Parse(principal.FindFirstValue(TokenClaims.UserId)!, NumberStyles.None, CultureInfo.InvariantCulture);

    public static string SessionId(this ClaimsPrincipal principal) => principal.FindFirstValue(TokenClaims.SessionId)!;
}

/// <summary>Marks an endpoint that still accepts an access token whose session was revoked (logout is idempotent).</summary>
public sealed class AllowRevokedSessionMetadata
{
    public static readonly AllowRevokedSessionMetadata Instance = new();
}
