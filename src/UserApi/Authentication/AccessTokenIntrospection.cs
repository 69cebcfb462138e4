using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using UserApi.Accounts;
using UserApi.Tokens;

namespace UserApi.Authentication;

/// <summary>What <c>POST /token/introspect</c> says of a token: active with its claims, inactive, or not known yet.</summary>
public sealed record IntrospectedToken(ClaimsPrincipal? Caller, Failure? Failure)
{
    public bool Active => Caller is not null;
}

/// <summary>
/// RFC 7662 for this service's access tokens: the same check as a request's (<see cref="AccessTokenAuthenticator"/>:
/// signature, shape and lifetime once per token, then the in-memory revoked sessions), so a downstream service
/// learns of a logout as fast as UserApi's own routes do. Anything that would be refused there is inactive
/// (RFC 7662 §2.2 tells no reason); while the revoked sessions are not known to be complete the answer is the
/// same 503 as a request's, never "active".
/// </summary>
public sealed class AccessTokenIntrospection(AccessTokenAuthenticator authenticator)
{
    private static readonly IntrospectedToken Inactive = new(null, null);

    public async ValueTask<IntrospectedToken> IntrospectAsync(string token)
    {
        var result = await authenticator.AuthenticateAsync(token.AsMemory(), request: null);
        if (result.Succeeded)
        {
            // The checked caller keeps only what a request needs (AccessTokenCache); the answer names every claim
            // of the token, read back from the token the check has just accepted.
            return new IntrospectedToken(new ClaimsPrincipal(new ClaimsIdentity(new JsonWebToken(token).Claims)), null);
        }
        return AccessTokenAuthenticator.FailureOf(result.Properties) is { } failure && failure == Failure.RevocationsUnknown
            ? new IntrospectedToken(null, failure)
            : Inactive;
    }
}
