using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using UserApi.Accounts;
using UserApi.Contracts;
using UserApi.Hosting;

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
        registered.MapPost("/password", ChangePasswordAsync).WithSummary("Change the password; ends every other session.").ReadsJson().ProducesProblems(429);
        return registered;
    }

    public static async Task<NoContent> LogoutAsync(ClaimsPrincipal caller, SessionService sessions, CancellationToken cancellationToken)
    {
        await sessions.LogoutAsync(caller.UserId(), caller.SessionId(), cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<NoContent> LogoutAllAsync(ClaimsPrincipal caller, SessionService sessions, CancellationToken cancellationToken)
    {
        await sessions.LogoutAllAsync(caller.UserId(), cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<SessionListResponse>> ListSessionsAsync(ClaimsPrincipal caller, SessionService sessions, CancellationToken cancellationToken)
    {
        var list = await sessions.ListAsync(caller.UserId(), cancellationToken);
        return TypedResults.Ok(new SessionListResponse([.. list.Select(s => SessionResponse.From(s, caller.SessionId()))]));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> EndSessionAsync(
        string id, ClaimsPrincipal caller, SessionService sessions, HttpContext context, CancellationToken cancellationToken) =>
        await sessions.EndAsync(caller.UserId(), id, cancellationToken) is { Error: { } error }
            ? Problems.From(error, context)
            : TypedResults.NoContent();

    public static async Task<Results<NoContent, ProblemHttpResult>> ChangePasswordAsync(
        ChangePasswordRequest request, ClaimsPrincipal caller, AccountService accounts, HttpContext context, CancellationToken cancellationToken) =>
        await accounts.ChangePasswordAsync(caller.UserId(), caller.SessionId(), request.OldPassword, request.NewPassword, ClientInfo.From(context), cancellationToken) is { Error: { } error }
            ? Problems.From(error, context)
            : TypedResults.NoContent();
}
