using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using UserApi.Accounts;
using UserApi.Authentication;
using UserApi.Contracts;

namespace UserApi.Endpoints;

/// <summary>Account recovery: the account's email and its verification, and the password reset by mail.</summary>
public static class RecoveryEndpoints
{
    /// <summary>The routes a person without a session uses: following a mailed link, asking for one.</summary>
    public static RouteGroupBuilder MapRecoveryApi(this RouteGroupBuilder user)
    {
        user.MapPost("/email/verify", VerifyEmailAsync).WithSummary("Verify the account's email with the mailed token.").ReadsJson();
        user.MapPost("/password/forgot", ForgotPasswordAsync).WithSummary("Mail a reset link to the account's verified email; answered alike for any name.")
            .ReadsJson().ProducesProblems(429).RequireRateLimiting(RateLimits.RecoveryMails);
        user.MapPost("/password/reset", ResetPasswordAsync).WithSummary("Set a new password with the mailed token; ends every session.").ReadsJson().ProducesProblems(503)
            .HashesPasswords();
        return user;
    }

    /// <summary>The routes of a registered user's session.</summary>
    public static RouteGroupBuilder MapEmailApi(this RouteGroupBuilder registered)
    {
        registered.MapPost("/email", SetEmailAsync).WithSummary("Set or change the account's email; mails a verification link.").ReadsJson().ProducesProblems(409, 429)
            .RequireRateLimiting(RateLimits.RecoveryMails);
        registered.MapPost("/email/resend", ResendVerificationAsync).WithSummary("Mail a new verification link.").ProducesProblems(409, 429)
            .RequireRateLimiting(RateLimits.RecoveryMails);
        return registered;
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> VerifyEmailAsync(
        VerifyEmailRequest request, EmailVerification verification, HttpContext context, CancellationToken cancellationToken) =>
        await verification.VerifyAsync(request.Token, cancellationToken) is { Failure: { } failure }
            ? Problems.From(failure, context)
            : TypedResults.NoContent();

    public static async Task<Results<Accepted<MailAcceptedResponse>, ProblemHttpResult>> ForgotPasswordAsync(
        ForgotPasswordRequest request, PasswordReset reset, HttpContext context, CancellationToken cancellationToken) =>
        await reset.RequestAsync(request.Username, request.Email, cancellationToken) is { Failure: { } failure }
            ? Problems.From(failure, context)
            : TypedResults.Accepted((string?)null, MailAcceptedResponse.Forgot);

    public static async Task<Results<NoContent, ProblemHttpResult>> ResetPasswordAsync(
        ResetPasswordRequest request, PasswordReset reset, HttpContext context, CancellationToken cancellationToken) =>
        await reset.ResetAsync(request.Token, request.NewPassword, cancellationToken) is { Failure: { } failure }
            ? Problems.From(failure, context)
            : TypedResults.NoContent();

    public static async Task<Results<Accepted<UserInfoResponse>, ProblemHttpResult, ChallengeHttpResult>> SetEmailAsync(
        SetEmailRequest request, ClaimsPrincipal caller, EmailVerification verification, HttpContext context, CancellationToken cancellationToken)
    {
        var set = await verification.SetAsync(caller.UserId(), request.Email, cancellationToken);
        return set.Failure switch
        {
            null => TypedResults.Accepted((string?)null, UserInfoResponse.From(set.Value!)),
            var failure when failure == Failure.SessionRevoked => Problems.CallerRefused(failure),
            var failure => Problems.From(failure, context),
        };
    }

    public static async Task<Results<Accepted<MailAcceptedResponse>, ProblemHttpResult, ChallengeHttpResult>> ResendVerificationAsync(
        ClaimsPrincipal caller, EmailVerification verification, HttpContext context, CancellationToken cancellationToken)
    {
        var resent = await verification.ResendAsync(caller.UserId(), cancellationToken);
        return resent.Failure switch
        {
            null => TypedResults.Accepted((string?)null, MailAcceptedResponse.Verify),
            var failure when failure == Failure.SessionRevoked => Problems.CallerRefused(failure),
            var failure => Problems.From(failure, context),
        };
    }
}
