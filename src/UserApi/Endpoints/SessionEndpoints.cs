using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using UserApi.Accounts;
using UserApi.Contracts;

namespace UserApi.Endpoints;

/// <summary>Sessions and the account, beyond the seeds: logout, logout everywhere, session listing, password change.</summary>
public static class SessionEndpoints
{
    public static RouteGroupBuilder MapSessionApi(this RouteGroupBuilder registered)
    {
        registered.MapPost("/logout", LogoutAsync).WithMetadata(AllowRevokedSessionMetadata.Instance);
        registered.MapPost("/logout/all", LogoutAllAsync);
        registered.MapGet("/sessions", ListSessionsAsync);
        registered.MapDelete("/sessions/{id}", EndSessionAsync);
        registered.MapPost("/password", ChangePasswordAsync);
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
