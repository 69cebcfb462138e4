using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UserApi.Accounts;
using UserApi.Contracts;
using UserApi.Diagnostics;

namespace UserApi.Authentication;

/// <summary>
/// The service's one authentication scheme, and its default. Its challenge and forbid are the only places
/// that answer a request for its token: a 401 problem saying what was wrong (<c>token_invalid</c>,
/// <c>token_expired</c>, <c>session_revoked</c>) with the RFC 6750 §3 challenge, a 503 problem when the
/// token cannot be checked yet (the revoked sessions are not loaded), or a 403 problem.
/// </summary>
public sealed class AccessTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AccessTokenAuthenticator authenticator,
    UserApiMetrics metrics) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    /// <summary>RFC 6750 §3.1: the token was missing, malformed, expired or revoked.</summary>
    public const string BearerChallenge = "Bearer error=\"invalid_token\"";

    /// <summary>The request's result as <see cref="AccessTokenAuthenticationMiddleware"/> found it, else found now.</summary>
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync() =>
        Context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult ?? await authenticator.AuthenticateAsync(Context);

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = AccessTokenAuthenticator.FailureOf(properties)
            ?? AccessTokenAuthenticator.FailureOf((await HandleAuthenticateOnceSafeAsync()).Properties)
            ?? Failure.TokenInvalid;
        metrics.TokenRejections.Add(1, new KeyValuePair<string, object?>("code", failure.Code));
        if (failure == Failure.RevocationsUnknown)
        {
            // Not the token's fault: no challenge, so that a client retries rather than discarding it.
            Response.Headers.RetryAfter = "1";
            await ProblemResponses.WriteAsync(Context, StatusCodes.Status503ServiceUnavailable, failure.Title, failure.Code);
            return;
        }
        Response.Headers.WWWAuthenticate = BearerChallenge;
        await ProblemResponses.WriteAsync(Context, StatusCodes.Status401Unauthorized, failure.Title, failure.Code);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        await ProblemResponses.WriteAsync(Context, StatusCodes.Status403Forbidden, "This token may not use this endpoint.",
            ProblemResponses.CodeForStatus(StatusCodes.Status403Forbidden));
}
