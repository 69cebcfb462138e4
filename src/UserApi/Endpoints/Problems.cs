using System.Collections.Frozen;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using UserApi.Accounts;
using UserApi.Authentication;
using UserApi.Contracts;

namespace UserApi.Endpoints;

/// <summary>A use case's <see cref="Failure"/> as an RFC 9457 problem: the one place a code gets its HTTP status.</summary>
public static class Problems
{
    private static readonly FrozenDictionary<string, int> StatusByCode = new Dictionary<string, int>
    {
        [Failure.ValidationCode] = StatusCodes.Status400BadRequest,
        [Failure.InvalidCredentials.Code] = StatusCodes.Status401Unauthorized,
        [Failure.TokenInvalid.Code] = StatusCodes.Status401Unauthorized,
        [Failure.TokenExpired.Code] = StatusCodes.Status401Unauthorized,
        [Failure.RefreshTokenReused.Code] = StatusCodes.Status401Unauthorized,
        [Failure.SessionRevoked.Code] = StatusCodes.Status401Unauthorized,
        [Failure.InvalidClient.Code] = StatusCodes.Status401Unauthorized,
        [Failure.WrongPassword.Code] = StatusCodes.Status403Forbidden,
        [Failure.SessionNotFound.Code] = StatusCodes.Status404NotFound,
        [Failure.UserNotFound.Code] = StatusCodes.Status404NotFound,
        [Failure.AnonymousDisabled.Code] = StatusCodes.Status404NotFound,
        [Failure.UsernameTaken.Code] = StatusCodes.Status409Conflict,
        [Failure.UserIdTaken.Code] = StatusCodes.Status409Conflict,
        [Failure.InvalidRecoveryToken.Code] = StatusCodes.Status400BadRequest,
        [Failure.EmailNotVerified.Code] = StatusCodes.Status403Forbidden,
        [Failure.EmailTaken.Code] = StatusCodes.Status409Conflict,
        [Failure.EmailNotSet.Code] = StatusCodes.Status409Conflict,
        [Failure.EmailAlreadyVerified.Code] = StatusCodes.Status409Conflict,
        [Failure.RateLimitedCode] = StatusCodes.Status429TooManyRequests,
        [Failure.OverloadedCode] = StatusCodes.Status503ServiceUnavailable,
        [Failure.RevocationsUnknown.Code] = StatusCodes.Status503ServiceUnavailable,
        [Failure.MfaRequiredCode] = StatusCodes.Status401Unauthorized,
        [Failure.InvalidMfaCode.Code] = StatusCodes.Status401Unauthorized,
        [Failure.MfaTokenInvalid.Code] = StatusCodes.Status401Unauthorized,
        [Failure.WrongMfaCode.Code] = StatusCodes.Status403Forbidden,
        [Failure.MfaAlreadyEnabled.Code] = StatusCodes.Status409Conflict,
        [Failure.MfaNotEnabled.Code] = StatusCodes.Status409Conflict,
        [Failure.MfaNotPending.Code] = StatusCodes.Status409Conflict,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The HTTP status of a failure's code; a code without one is a bug, not a client's mistake.</summary>
    public static int StatusOf(Failure failure) =>
        StatusByCode.TryGetValue(failure.Code, out var status) ? status : throw new InvalidOperationException($"No HTTP status for the failure code '{failure.Code}'.");

    /// <summary>The problem, with a <c>Retry-After</c> header when the failure says when to come back (RFC 9110 §10.2.3).</summary>
    public static ProblemHttpResult From(Failure failure, HttpContext context)
    {
        var extensions = new Dictionary<string, object?> { [ProblemResponses.CodeKey] = failure.Code };
        if (failure.Errors is not null)
        {
            extensions["errors"] = failure.Errors;
        }
        if (failure.MfaToken is { } mfaToken)
        {
            extensions[ProblemResponses.MfaTokenKey] = mfaToken;
        }
        if (failure.RetryAfter is { } retryAfter)
        {
            var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
            extensions[ProblemResponses.RetryAfterKey] = seconds;
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }
        return TypedResults.Problem(statusCode: StatusOf(failure), title: failure.Title, extensions: extensions);
    }

    /// <summary>A use case's result as the endpoint's typed outcome: 200 with the mapped body, or the problem.</summary>
    public static Results<Ok<TResponse>, ProblemHttpResult> ToHttp<T, TResponse>(this Result<T> result, HttpContext context, Func<T, TResponse> map) =>
        result.Failure is { } failure ? From(failure, context) : TypedResults.Ok(map(result.Value!));

    /// <summary>
    /// The caller's token no longer counts (its user was disabled or deleted): answered by the authentication
    /// scheme's challenge, as a refused token is.
    /// </summary>
    public static ChallengeHttpResult CallerRefused(Failure failure) =>
        TypedResults.Challenge(AccessTokenAuthenticator.Refusal(failure));
}
