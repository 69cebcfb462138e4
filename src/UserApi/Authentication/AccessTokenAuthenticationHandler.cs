using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using UserApi.Accounts;
using UserApi.Contracts;
using UserApi.Diagnostics;
using UserApi.Sessions;

namespace UserApi.Authentication;

/// <summary>
/// The service's one authentication scheme, and its default: the access token from the Authorization
/// header, checked through <see cref="AccessTokenCache"/>, then against the revoked sessions. Its challenge
/// and forbid are the only places that answer a request for its token: a 401 problem saying what was wrong
/// (<c>token_invalid</c>, <c>token_expired</c>, <c>session_revoked</c>) with the RFC 6750 §3 challenge, or a
/// 403 problem.
/// </summary>
public sealed class AccessTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AccessTokenCache tokens,
    RevocationList revocations,
    UserApiMetrics metrics) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    /// <summary>RFC 6750 §3.1: the token was missing, malformed, expired or revoked.</summary>
    public const string BearerChallenge = "Bearer error=\"invalid_token\"";

    /// <summary>What an endpoint passes to <c>Challenge</c> when the caller's token no longer counts (the user is gone).</summary>
    public static AuthenticationProperties Refusal(Failure failure)
    {
        var properties = new AuthenticationProperties();
        properties.SetParameter(nameof(Failure), failure);
        return properties;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (ReadToken(Request.Headers.Authorization) is not { } token)
        {
            return AuthenticateResult.NoResult();
        }
        if (token.Length == 0)
        {
            return Refused(Failure.TokenInvalid);
        }
        var checkedToken = await tokens.CheckAsync(token);
        if (checkedToken.Caller is not { } caller)
        {
            return Refused(Failure.ForToken(checkedToken.Failure));
        }
        if (caller.SessionId is { } sessionId
            && revocations.IsRevoked(sessionId)
            && Context.GetEndpoint()?.Metadata.GetMetadata<AllowRevokedSessionMetadata>() is null)
        {
            return Refused(Failure.SessionRevoked);
        }
        return AuthenticateResult.Success(new AuthenticationTicket(caller, Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = properties.GetParameter<Failure>(nameof(Failure))
            ?? (await HandleAuthenticateOnceSafeAsync()).Properties?.GetParameter<Failure>(nameof(Failure))
            ?? Failure.TokenInvalid;
        metrics.TokenRejections.Add(1, new KeyValuePair<string, object?>("code", failure.Code));
        Response.Headers.WWWAuthenticate = BearerChallenge;
        await ProblemResponses.WriteAsync(Context, StatusCodes.Status401Unauthorized, failure.Title, failure.Code);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        await ProblemResponses.WriteAsync(Context, StatusCodes.Status403Forbidden, "This token may not use this endpoint.",
            ProblemResponses.CodeForStatus(StatusCodes.Status403Forbidden));

    private static AuthenticateResult Refused(Failure failure) => AuthenticateResult.Fail(failure.Title, Refusal(failure));

    /// <summary>
    /// go-zero accepts the bare token as well as <c>Bearer TOKEN</c> (seed 000's curl sends it bare). Only
    /// the Authorization header is read: never a query string or cookie (RFC 6750 §2.3 leaks). Null when
    /// there is no credential; empty when the header holds something that is not a token. The token is the
    /// header's own characters, not a copy: a token seen before is found without allocating.
    /// </summary>
    private static ReadOnlyMemory<char>? ReadToken(StringValues header)
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
