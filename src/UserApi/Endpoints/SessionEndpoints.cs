using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using UserApi.Accounts;
using UserApi.Authentication;
using UserApi.Contracts;
using UserApi.Sessions;

namespace UserApi.Endpoints;

/// <summary>Sessions and the account, beyond the seeds: logout, logout everywhere, session listing, password change.</summary>
public static class SessionEndpoints
{
    public static RouteGroupBuilder MapSessionApi(this RouteGroupBuilder registered)
    {
        registered.MapPost("/logout", LogoutAsync).WithMetadata(AllowRevokedSessionMetadata.Instance).WithSummary("End this session (idempotent).");
        registered.MapPost("/logout/all", LogoutAllAsync).WithSummary("End every session of the caller, this one included.");
        registered.MapGet("/sessions", ListSessionsAsync).WithSummary("The caller's sessions.");
        registered.MapDelete("/sessions/{id}", EndSessionAsync).WithSummary("End one of the caller's sessions.").ProducesProblems(404);
        registered.MapPost("/password", ChangePasswordAsync).WithSummary("Change the password; ends every other session.").ReadsJson().ProducesProblems(429, 503)
            .HashesPasswords();
        return registered;
    }

    /// <summary>Idempotent: a repeated call (or one racing a refresh) still ends the session.</summary>
    public static async Task<NoContent> LogoutAsync(ClaimsPrincipal caller, UserSessions sessions, CancellationToken cancellationToken)
    {
        await sessions.LogoutAsync(caller.UserId(), caller.SessionId(), cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> LogoutAllAsync(ClaimsPrincipal caller, UserSessions sessions, CancellationToken cancellationToken)
    {
        await sessions.LogoutEverywhereAsync(caller.UserId(), caller.SessionId(), cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<SessionListResponse>> ListSessionsAsync(ClaimsPrincipal caller, UserSessions sessions, CancellationToken cancellationToken)
    {
        var list = await sessions.ListAsync(caller.UserId(), cancellationToken);
        return TypedResults.Ok(new SessionListResponse([.. list.Select(s => SessionResponse.From(s, caller.SessionId()))]));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> EndSessionAsync(
        string id, ClaimsPrincipal caller, UserSessions sessions, HttpContext context, CancellationToken cancellationToken) =>
        await sessions.EndAsync(caller.UserId(), id, cancellationToken) is { Failure: { } failure }
            ? Problems.From(failure, context)
            : TypedResults.NoContent();

    public static async Task<Results<NoContent, ProblemHttpResult, ChallengeHttpResult>> ChangePasswordAsync(
        ChangePasswordRequest request, ClaimsPrincipal caller, PasswordChange passwords, HttpContext context, CancellationToken cancellationToken)
    {
        var changed = await passwords.ChangeAsync(caller.UserId(), caller.SessionId(), request.OldPassword, request.NewPassword, Clients.Of(context), cancellationToken);
        return changed.Failure switch
        {
            null => TypedResults.NoContent(),
            var failure when failure == Failure.SessionRevoked => Problems.CallerRefused(failure),
            var failure => Problems.From(failure, context),
        };
    }
}
