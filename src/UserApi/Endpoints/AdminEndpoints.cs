using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using UserApi.Accounts;
using UserApi.Authentication;
using UserApi.Contracts;

namespace UserApi.Endpoints;

/// <summary>
/// The admin API under <c>/admin</c>: users, their sessions, the end of every session, the audit log. Every route
/// requires an enabled admin as the database holds the caller now (<see cref="AdminRequirement"/>); the admin is the
/// audit events' actor. Handlers call <see cref="UserAdministration"/>, which the CLI shares.
/// </summary>
public static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").WithTags("Admin").RequireAuthorization(AccessTokenAuthentication.AdminPolicy).ProducesProblems(401, 403, 503);

        admin.MapGet("/users", ListUsersAsync).WithSummary("Users whose normalised name starts with query, keyset-paged by id.").ProducesProblems(400)
            .CountsOutcomes(m => m.AdminRequests);
        admin.MapGet("/users/{id:long}", GetUserAsync).WithSummary("One user.").ProducesProblems(404).CountsOutcomes(m => m.AdminRequests);
        admin.MapPost("/users", CreateUserAsync).WithSummary("Create a user with a role.").ReadsJson().ProducesProblems(409).CountsOutcomes(m => m.AdminRequests);
        admin.MapPatch("/users/{id:long}", UpdateUserAsync).WithSummary("Change the role or the disabled flag; disabling ends every session at once.")
            .ReadsJson().ProducesProblems(404).CountsOutcomes(m => m.AdminRequests);
        admin.MapDelete("/users/{id:long}", DeleteUserAsync).WithSummary("Delete the user and end its sessions.").ProducesProblems(404)
            .CountsOutcomes(m => m.AdminRequests);
        admin.MapPost("/users/{id:long}/unlock", UnlockUserAsync).WithSummary("Clear the failed-login lock.").ProducesProblems(404)
            .CountsOutcomes(m => m.AdminRequests);
        admin.MapGet("/users/{id:long}/sessions", ListSessionsAsync).WithSummary("The user's sessions.").ProducesProblems(404)
            .CountsOutcomes(m => m.AdminRequests);
        admin.MapDelete("/users/{id:long}/sessions", EndSessionsAsync).WithSummary("End every session of the user.").ProducesProblems(404)
            .CountsOutcomes(m => m.AdminRequests);
        admin.MapDelete("/users/{id:long}/sessions/{sid}", EndSessionAsync).WithSummary("End one session of the user.").ProducesProblems(404)
            .CountsOutcomes(m => m.AdminRequests);
        admin.MapDelete("/users/{id:long}/mfa", ResetMfaAsync).WithSummary("Remove the user's second factor (a lost device) and end every session of the user.")
            .ProducesProblems(404).CountsOutcomes(m => m.AdminRequests);
        admin.MapPost("/sessions/revoke-all", RevokeAllAsync).WithSummary("End every session of every user (durable: holds after a Redis loss).")
            .CountsOutcomes(m => m.AdminRequests);
        admin.MapGet("/audit", ReadAuditAsync).WithSummary("Audit events, newest first, keyset-paged.").ProducesProblems(400)
            .CountsOutcomes(m => m.AdminRequests);
        return app;
    }

    public static async Task<Results<Ok<AdminUserPageResponse>, ProblemHttpResult>> ListUsersAsync(
        string? query, long? after, int? limit, UserAdministration administration, HttpContext context, CancellationToken cancellationToken) =>
        (await administration.ListAsync(query, after, limit, cancellationToken)).ToHttp(context, AdminUserPageResponse.From);

    public static async Task<Results<Ok<AdminUserResponse>, ProblemHttpResult>> GetUserAsync(
        long id, UserAdministration administration, HttpContext context, CancellationToken cancellationToken) =>
        (await administration.GetAsync(id, cancellationToken)).ToHttp(context, AdminUserResponse.From);

    public static async Task<Results<Created<AdminUserResponse>, ProblemHttpResult>> CreateUserAsync(
        CreateUserRequest request, ClaimsPrincipal caller, UserAdministration administration, HttpContext context, CancellationToken cancellationToken)
    {
        var created = await administration.CreateAsync(request.Username, request.Password, request.Role, caller.UserId(), cancellationToken);
        return created.Failure is { } failure
            ? Problems.From(failure, context)
            : TypedResults.Created($"/admin/users/{created.Value!.User.Id}", AdminUserResponse.From(created.Value));
    }

    public static async Task<Results<Ok<AdminUserResponse>, ProblemHttpResult>> UpdateUserAsync(
        long id, UpdateUserRequest request, ClaimsPrincipal caller, UserAdministration administration, HttpContext context, CancellationToken cancellationToken) =>
        (await administration.UpdateAsync(id, request.Role, request.Disabled, caller.UserId(), cancellationToken)).ToHttp(context, AdminUserResponse.From);

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteUserAsync(
        long id, ClaimsPrincipal caller, UserAdministration administration, HttpContext context, CancellationToken cancellationToken) =>
        await administration.DeleteAsync(id, caller.UserId(), cancellationToken) is { Failure: { } failure }
            ? Problems.From(failure, context)
            : TypedResults.NoContent();

    public static async Task<Results<Ok<AdminUserResponse>, ProblemHttpResult>> UnlockUserAsync(
        long id, ClaimsPrincipal caller, UserAdministration administration, HttpContext context, CancellationToken cancellationToken) =>
        (await administration.UnlockAsync(id, caller.UserId(), cancellationToken)).ToHttp(context, AdminUserResponse.From);

    public static async Task<Results<Ok<SessionListResponse>, ProblemHttpResult>> ListSessionsAsync(
        long id, UserAdministration administration, HttpContext context, CancellationToken cancellationToken) =>
        (await administration.ListSessionsAsync(id, cancellationToken))
            .ToHttp(context, sessions => new SessionListResponse([.. sessions.Select(s => SessionResponse.From(s, null))]));

    public static async Task<Results<NoContent, ProblemHttpResult>> EndSessionsAsync(
        long id, ClaimsPrincipal caller, UserAdministration administration, HttpContext context, CancellationToken cancellationToken) =>
        await administration.EndSessionsAsync(id, caller.UserId(), cancellationToken) is { Failure: { } failure }
            ? Problems.From(failure, context)
            : TypedResults.NoContent();

    public static async Task<Results<NoContent, ProblemHttpResult>> ResetMfaAsync(
        long id, ClaimsPrincipal caller, MfaManagement mfa, HttpContext context, CancellationToken cancellationToken) =>
        await mfa.ResetAsync(id, caller.UserId(), cancellationToken) is { Failure: { } failure }
            ? Problems.From(failure, context)
            : TypedResults.NoContent();

    public static async Task<Results<NoContent, ProblemHttpResult>> EndSessionAsync(
        long id, string sid, ClaimsPrincipal caller, UserAdministration administration, HttpContext context, CancellationToken cancellationToken) =>
        await administration.EndSessionAsync(id, sid, caller.UserId(), cancellationToken) is { Failure: { } failure }
            ? Problems.From(failure, context)
            : TypedResults.NoContent();

    public static async Task<Ok<RevokeAllResponse>> RevokeAllAsync(ClaimsPrincipal caller, UserAdministration administration, CancellationToken cancellationToken) =>
        TypedResults.Ok(new RevokeAllResponse(await administration.RevokeEverySessionAsync(caller.UserId(), cancellationToken)));

    public static async Task<Results<Ok<AuditPageResponse>, ProblemHttpResult>> ReadAuditAsync(
        long? userId, string? type, DateTimeOffset? since, DateTimeOffset? until, long? after, int? limit,
        AuditTrail trail, HttpContext context, CancellationToken cancellationToken) =>
        (await trail.ReadAsync(userId, type, since, until, after, limit, cancellationToken))
            .ToHttp(context, page => new AuditPageResponse([.. page.Events.Select(AuditEventResponse.From)], page.Next));
}
