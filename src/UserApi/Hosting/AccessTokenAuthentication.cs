using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using UserApi.Accounts;
using UserApi.Endpoints;
using UserApi.Sessions;
using UserApi.Tokens;

namespace UserApi.Hosting;

/// <summary>
/// The <c>Bearer</c> scheme: the access token from the Authorization header, validated by
/// Microsoft.IdentityModel's <see cref="Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler"/> (through
/// <see cref="CachingTokenHandler"/>) against <see cref="TokenService.AccessValidation"/>, then checked
/// against the revoked sessions.
/// </summary>
/// <remarks>
/// JwtBearer's handler did the same plumbing but clones the validation parameters and builds event
/// contexts on every request; on the hot path (<c>GET /user/info</c>) that was a tenth of the CPU time.
/// The JWT itself is still parsed and checked only by the library.
/// </remarks>
public sealed class AccessTokenAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TokenService tokens,
    CachingTokenHandler validator,
    RevocationList revocations) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    private AccountError? _failure;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (ReadToken(Request.Headers.Authorization) is not { } token)
        {
            return AuthenticateResult.NoResult();
        }
        if (token.Length == 0)
        {
            return Fail(AccountError.TokenInvalid);
        }

        var validated = await validator.ValidateAsync(token, tokens.AccessValidation);
        if (validated.Principal is null)
        {
            return Fail(validated.Result.Exception is SecurityTokenExpiredException ? AccountError.TokenExpired : AccountError.TokenInvalid);
        }
        if (validated.Principal.SessionId is { } sessionId
            && revocations.IsRevoked(sessionId)
            && Context.GetEndpoint()?.Metadata.GetMetadata<AllowRevokedSessionMetadata>() is null)
        {
            return Fail(AccountError.SessionRevoked);
        }
        return AuthenticateResult.Success(new AuthenticationTicket(validated.Principal, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        await HandleAuthenticateOnceSafeAsync();
        Response.Headers.WWWAuthenticate = Problems.BearerChallenge;
        var error = _failure ?? AccountError.TokenInvalid;
        await Problems.WriteAsync(Context, error.Status, error.Title, error.Code);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        await Problems.WriteAsync(Context, StatusCodes.Status403Forbidden, "This token may not use this endpoint.",
            Problems.CodeForStatus(StatusCodes.Status403Forbidden));

    /// <summary>
    /// go-zero accepts the bare token as well as <c>Bearer TOKEN</c> (seed 000's curl sends it bare). Only
    /// the Authorization header is read: never a query string or cookie (RFC 6750 §2.3 leaks). Null when
    /// there is no credential; empty when the header holds something that is not a token.
    /// </summary>
    private static string? ReadToken(Microsoft.Extensions.Primitives.StringValues header)
    {
        if (header.Count != 1 || string.IsNullOrEmpty(header[0]))
        {
            return null;
        }
        var value = header[0]!.AsSpan().Trim();
        const string Bearer = "Bearer";
        if (value.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) && (value.Length == Bearer.Length || value[Bearer.Length] == ' '))
        {
            value = value[Bearer.Length..].Trim();
        }
        return value.Length == 0 || value.Contains(' ') ? "" : value.ToString();
    }

    private AuthenticateResult Fail(AccountError error)
    {
        _failure = error;
        return AuthenticateResult.Fail(error.Title);
    }
}
