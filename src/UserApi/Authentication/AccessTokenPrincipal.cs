using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.JsonWebTokens;
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
        Role = identity.FindFirst(TokenClaims.Role)?.Value;
        Authenticated = AuthenticateResult.Success(new AuthenticationTicket(this, AccessTokenAuthenticationHandler.SchemeName));
        AuthenticatedTask = Task.FromResult(Authenticated);
    }

    /// <summary>
    /// The one caller of every anonymous token: such a token names no user and no session, only its role, so
    /// its callers are alike (its random <c>sub</c> and <c>jti</c> are not kept).
    /// </summary>
    public static AccessTokenPrincipal Anonymous { get; } = new(new ClaimsIdentity(
        [new Claim(TokenClaims.Role, TokenClaims.AnonymousRole)], AccessTokenAuthenticationHandler.SchemeName, TokenClaims.Subject, TokenClaims.Role));

    /// <summary>
    /// The caller of a validated token, with the claims a request reads (<c>sub</c>, <c>userId</c>, <c>role</c>,
    /// <c>sid</c>) and no others: not the library's identity, which keeps the whole token to read every claim
    /// out of it again.
    /// </summary>
    public static AccessTokenPrincipal Of(JsonWebToken token, string issuer)
    {
        var userId = UserIdOf(token);
        token.TryGetPayloadValue<string>(TokenClaims.Role, out var role);
        token.TryGetPayloadValue<string>(TokenClaims.SessionId, out var sessionId);
        if (userId is null && sessionId is null && role == TokenClaims.AnonymousRole)
        {
            return Anonymous;
        }
        var claims = new List<Claim>(4);
        if (token.TryGetPayloadValue<string>(TokenClaims.Subject, out var subject))
        {
            claims.Add(new Claim(TokenClaims.Subject, subject == userId ? userId : subject, ClaimValueTypes.String, issuer));
        }
        if (userId is not null)
        {
            claims.Add(new Claim(TokenClaims.UserId, userId, ClaimValueTypes.Integer64, issuer));
        }
        if (role is not null)
        {
            // A handful of roles across all tokens: the literal's string where there is one.
            claims.Add(new Claim(TokenClaims.Role, string.IsInterned(role) ?? role, ClaimValueTypes.String, issuer));
        }
        if (sessionId is not null)
        {
            claims.Add(new Claim(TokenClaims.SessionId, sessionId, ClaimValueTypes.String, issuer));
        }
        return new AccessTokenPrincipal(new ClaimsIdentity(claims, AccessTokenAuthenticationHandler.SchemeName, TokenClaims.Subject, TokenClaims.Role))
        {
            IssuedAtSeconds = token.TryGetPayloadValue<long>(TokenClaims.IssuedAt, out var issuedAt) ? issuedAt : 0,
        };
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

    /// <summary>The <c>iat</c> claim, Unix seconds (0 when absent): compared with the end of every session.</summary>
    public long IssuedAtSeconds { get; private init; }

    /// <summary>The <c>role</c> claim.</summary>
    public string? Role { get; }

    /// <summary>The <c>userId</c> claim as its decimal text: a JSON number as issued, or a string of digits.</summary>
    private static string? UserIdOf(JsonWebToken token) =>
        token.TryGetPayloadValue<long>(TokenClaims.UserId, out var number) ? number.ToString(CultureInfo.InvariantCulture)
        : token.TryGetPayloadValue<string>(TokenClaims.UserId, out var text) ? text
        : null;
}
