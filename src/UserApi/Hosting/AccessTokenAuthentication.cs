using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.IdentityModel.Tokens;
using UserApi.Accounts;
using UserApi.Endpoints;
using UserApi.Sessions;
using UserApi.Tokens;

namespace UserApi.Hosting;

/// <summary>
/// Authentication of every request by its access token: the token from the Authorization header, validated
/// by Microsoft.IdentityModel's <see cref="Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler"/>
/// (through <see cref="CachingTokenHandler"/>) against <see cref="TokenService.AccessValidation"/>, then
/// checked against the revoked sessions. Sets the request's user and authentication result as ASP.NET Core's
/// <c>UseAuthentication()</c> does; ASP.NET Core's <c>UseAuthorization()</c> then applies the endpoints'
/// policies (<see cref="AccessTokenPolicyEvaluator"/>, <see cref="AccessTokenAuthorizationResults"/>).
/// </summary>
/// <remarks>
/// The service has one way to authenticate, so it registers no authentication scheme: ASP.NET Core's
/// authentication middleware resolves the scheme and creates and initialises a handler through dependency
/// injection on every request, and its authorization then asks that handler for the challenge. Together
/// with the per-request policy evaluation (<see cref="AccessTokenPolicyEvaluator"/>) that plumbing cost
/// <c>GET /user/info</c> about 2.5 µs of its 21 per request (bench/RESULTS.md). JwtBearer's handler, before that, cloned
/// the validation parameters and built event contexts per request. The JWT itself is parsed and checked
/// only by the library. A policy that names authentication schemes (<c>AddAuthenticationSchemes</c>) would
/// need a scheme registered; none does.
/// </remarks>
public sealed class AccessTokenAuthentication(RequestDelegate next, TokenService tokens, CachingTokenHandler validator, RevocationList revocations)
{
    /// <summary>The authentication type of the callers' identities and tickets.</summary>
    public const string SchemeName = "Bearer";

    public async Task InvokeAsync(HttpContext context)
    {
        var (caller, failure) = await AuthenticateAsync(context);
        if (caller is not null)
        {
            var features = new AuthenticationFeatures(caller.Authenticated);
            context.Features.Set<IHttpAuthenticationFeature>(features);
            context.Features.Set<IAuthenticateResultFeature>(features);
        }
        else if (failure is not null)
        {
            context.Features.Set(new AccessTokenFailure(failure));
        }
        await next(context);
    }

    /// <summary>The caller, or why the request's token was refused (both null when it carries no token).</summary>
    private async ValueTask<(AccessTokenPrincipal? Caller, AccountError? Failure)> AuthenticateAsync(HttpContext context)
    {
        if (ReadToken(context.Request.Headers.Authorization) is not { } token)
        {
            return (null, null);
        }
        if (token.Length == 0)
        {
            return (null, AccountError.TokenInvalid);
        }

        var validated = await validator.ValidateAsync(token, tokens.AccessValidation);
        if (validated.Principal is null)
        {
            return (null, validated.Result.Exception is SecurityTokenExpiredException ? AccountError.TokenExpired : AccountError.TokenInvalid);
        }
        if (validated.Principal.SessionId is { } sessionId
            && revocations.IsRevoked(sessionId)
            && context.GetEndpoint()?.Metadata.GetMetadata<AllowRevokedSessionMetadata>() is null)
        {
            return (null, AccountError.SessionRevoked);
        }
        return (validated.Principal, null);
    }

    /// <summary>
    /// go-zero accepts the bare token as well as <c>Bearer TOKEN</c> (seed 000's curl sends it bare). Only
    /// the Authorization header is read: never a query string or cookie (RFC 6750 §2.3 leaks). Null when
    /// there is no credential; empty when the header holds something that is not a token. The token is the
    /// header's own characters, not a copy: a token seen before is found without allocating.
    /// </summary>
    private static ReadOnlyMemory<char>? ReadToken(Microsoft.Extensions.Primitives.StringValues header)
    {
        if (header.Count != 1 || header[0] is not { Length: > 0 } text)
        {
            return null;
        }
        var value = text.AsMemory().Trim();
        const string Bearer = "Bearer";
        if (value.Span.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) && (value.Length == Bearer.Length || value.Span[Bearer.Length] == ' '))
        {
            value = value[Bearer.Length..].Trim();
        }
        return value.Span.Contains(' ') ? ReadOnlyMemory<char>.Empty : value;
    }
}

/// <summary>Why the request's access token was refused: the 401 problem's code, should an endpoint need a caller.</summary>
public sealed record AccessTokenFailure(AccountError Error);

/// <summary>The request's user and authentication result, as ASP.NET Core's authentication middleware keeps them.</summary>
internal sealed class AuthenticationFeatures(AuthenticateResult result) : IHttpAuthenticationFeature, IAuthenticateResultFeature
{
    private AuthenticateResult? _result = result;
    private ClaimsPrincipal? _user = result.Principal;

    public AuthenticateResult? AuthenticateResult
    {
        get => _result;
        set
        {
            _result = value;
            _user = value?.Principal;
        }
    }

    public ClaimsPrincipal? User
    {
        get => _user;
        set
        {
            _user = value;
            _result = null;
        }
    }
}

/// <summary>
/// What ASP.NET Core's authorization middleware does with a policy's verdict, in place of asking an
/// authentication scheme: the endpoint runs, or a 401 problem saying what was wrong with the token
/// (<c>token_invalid</c>, <c>token_expired</c>, <c>session_revoked</c>), or a 403 problem.
/// </summary>
public sealed class AccessTokenAuthorizationResults(UserApiMetrics metrics) : IAuthorizationMiddlewareResultHandler
{
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await next(context);
        }
        else if (authorizeResult.Challenged)
        {
            context.Response.Headers.WWWAuthenticate = Problems.BearerChallenge;
            var error = context.Features.Get<AccessTokenFailure>()?.Error ?? AccountError.TokenInvalid;
            metrics.TokenRejections.Add(1, new KeyValuePair<string, object?>("code", error.Code));
            await Problems.WriteAsync(context, error.Status, error.Title, error.Code);
        }
        else
        {
            await Problems.WriteAsync(context, StatusCodes.Status403Forbidden, "This token may not use this endpoint.",
                Problems.CodeForStatus(StatusCodes.Status403Forbidden));
        }
    }
}
