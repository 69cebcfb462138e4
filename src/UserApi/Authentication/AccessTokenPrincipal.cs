using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using UserApi.Tokens;

namespace UserApi.Authentication;

/// <summary>
/// The caller of a validated access token, with the two claims every protected endpoint needs read once,
/// when the token is first validated: the user id and the session id, both null in an anonymous token
/// (seed 000's <c>/user/token</c>). The principal is remembered with the token (<see cref="AccessTokenCache"/>),
/// so the registered-user policy and the endpoints read fields instead of searching and parsing claims.
/// </summary>
public sealed class AccessTokenPrincipal : ClaimsPrincipal
{
    public AccessTokenPrincipal(ClaimsIdentity identity) : base(identity)
    {
        UserId = long.TryParse(identity.FindFirst(TokenClaims.UserId)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : null;
        SessionId = identity.FindFirst(TokenClaims.SessionId)?.Value;
        Authenticated = AuthenticateResult.Success(new AuthenticationTicket(this, AccessTokenAuthenticationHandler.SchemeName));
        AuthenticatedTask = Task.FromResult(Authenticated);
    }

    /// <summary>
    /// The successful authentication result for this caller, built once with the principal rather than on every
    /// request. Nothing in this service writes to a ticket's properties.
    /// </summary>
    public AuthenticateResult Authenticated { get; }

    /// <summary><see cref="Authenticated"/> as the completed task the authorization middleware asks for.</summary>
    public Task<AuthenticateResult> AuthenticatedTask { get; }

    /// <summary>The <c>userId</c> claim; null for an anonymous token.</summary>
    public long? UserId { get; }

    /// <summary>The <c>sid</c> claim; null for an anonymous token.</summary>
    public string? SessionId { get; }
}
