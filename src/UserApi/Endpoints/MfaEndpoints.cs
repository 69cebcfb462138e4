using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using UserApi.Accounts;
using UserApi.Authentication;
using UserApi.Contracts;

namespace UserApi.Endpoints;

/// <summary>The second factor: the caller's TOTP authenticator and recovery codes, and the login's second step.</summary>
public static class MfaEndpoints
{
    /// <summary>The login's second step, beside <c>POST /user/login</c> (no access token: the mfaToken is the credential).</summary>
    public static RouteGroupBuilder MapMfaLogin(this RouteGroupBuilder user)
    {
        user.MapPost("/login/mfa", CompleteLoginAsync).WithSummary("Complete a login that answered mfa_required: its mfaToken and a TOTP or recovery code.")
            .ReadsJson().ProducesProblems(401, 429, 503).CountsOutcomes(m => m.MfaChallenges);
        return user;
    }

    public static RouteGroupBuilder MapMfaApi(this RouteGroupBuilder registered)
    {
        registered.MapPost("/mfa/totp", BeginTotpAsync).WithSummary("Start enrolling a TOTP authenticator: its secret, otpauth URI and QR code. Nothing changes until confirmed.")
            .ProducesProblems(409);
        registered.MapPost("/mfa/totp/confirm", ConfirmTotpAsync).WithSummary("Confirm the authenticator with a code: MFA is on, recovery codes returned, other sessions ended.")
            .ReadsJson().ProducesProblems(409).CountsOutcomes(m => m.MfaEnrolments);
        registered.MapDelete("/mfa/totp", DisableAsync).WithSummary("Turn MFA off with the password or a code; other sessions ended.")
            .ReadsJson().ProducesProblems(409, 429, 503).HashesPasswords();
        registered.MapPost("/mfa/recovery-codes", ReplaceRecoveryCodesAsync).WithSummary("Replace the recovery codes, proved by a code.")
            .ReadsJson().ProducesProblems(409, 429);
        return registered;
    }

    public static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> CompleteLoginAsync(
        LoginMfaRequest request, Login login, HttpContext context, CancellationToken cancellationToken) =>
        (await login.CompleteAsync(request.MfaToken, request.Code, request.RecoveryCode, Clients.Of(context), cancellationToken)).ToHttp(context, LoginResponse.From);

    public static async Task<Results<Ok<TotpEnrolmentResponse>, ProblemHttpResult, ChallengeHttpResult>> BeginTotpAsync(
        ClaimsPrincipal caller, MfaManagement mfa, HttpContext context, CancellationToken cancellationToken) =>
        Answer(await mfa.BeginTotpAsync(caller.UserId(), cancellationToken), context, TotpEnrolmentResponse.From);

    public static async Task<Results<Ok<RecoveryCodesResponse>, ProblemHttpResult, ChallengeHttpResult>> ConfirmTotpAsync(
        MfaCodeRequest request, ClaimsPrincipal caller, MfaManagement mfa, HttpContext context, CancellationToken cancellationToken) =>
        Answer(await mfa.ConfirmTotpAsync(caller.UserId(), caller.SessionId(), request.Code, cancellationToken), context, RecoveryCodesResponse.From);

    public static async Task<Results<NoContent, ProblemHttpResult, ChallengeHttpResult>> DisableAsync(
        [FromBody] DisableMfaRequest request, ClaimsPrincipal caller, MfaManagement mfa, HttpContext context, CancellationToken cancellationToken)
    {
        var disabled = await mfa.DisableAsync(caller.UserId(), caller.SessionId(), request.Password, request.Code, Clients.Of(context), cancellationToken);
        return disabled.Failure switch
        {
            null => TypedResults.NoContent(),
            var failure when failure == Failure.SessionRevoked => Problems.CallerRefused(failure),
            var failure => Problems.From(failure, context),
        };
    }

    public static async Task<Results<Ok<RecoveryCodesResponse>, ProblemHttpResult, ChallengeHttpResult>> ReplaceRecoveryCodesAsync(
        MfaCodeRequest request, ClaimsPrincipal caller, MfaManagement mfa, HttpContext context, CancellationToken cancellationToken) =>
        Answer(await mfa.ReplaceRecoveryCodesAsync(caller.UserId(), caller.SessionId(), request.Code, Clients.Of(context), cancellationToken), context, RecoveryCodesResponse.From);

    /// <summary>A caller whose user was disabled or deleted is refused as its token is; any other failure is a problem.</summary>
    private static Results<Ok<TResponse>, ProblemHttpResult, ChallengeHttpResult> Answer<T, TResponse>(Result<T> result, HttpContext context, Func<T, TResponse> map) =>
        result.Failure switch
        {
            null => TypedResults.Ok(map(result.Value!)),
            var failure when failure == Failure.SessionRevoked => Problems.CallerRefused(failure),
            var failure => Problems.From(failure, context),
        };
}
