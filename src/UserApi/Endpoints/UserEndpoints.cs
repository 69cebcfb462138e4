using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Routing;
using UserApi.Accounts;
using UserApi.Authentication;
using UserApi.Contracts;

namespace UserApi.Endpoints;

/// <summary>The seeds' routes: seed 003's user-api and seed 000's jwt-api, under <c>/user</c>.</summary>
public static class UserEndpoints
{
    public static IEndpointRouteBuilder MapUserApi(this IEndpointRouteBuilder app)
    {
        var user = app.MapGroup("/user").WithTags("User");

        user.MapPost("/register", RegisterAsync).WithSummary("Register a user (seed 003), optionally with an email to verify.").ReadsJson().ProducesProblems(409, 429, 503)
            .CountsOutcomes(m => m.Registrations).RequireRateLimiting(RateLimits.Registrations).HashesPasswords();
        user.MapPost("/login", LoginAsync).WithSummary("Log in: a new session and its token pair (seed 003).").ReadsJson().ProducesProblems(401, 403, 429, 503)
            .CountsOutcomes(m => m.Logins).HashesPasswords();
        user.MapMfaLogin();
        user.MapPost("/refresh", RefreshAsync).WithSummary("Rotate the refresh token: a new pair; a spent token ends the session (seed 003).").ReadsJson().ProducesProblems(401, 503)
            .CountsOutcomes(m => m.Refreshes);
        user.MapRecoveryApi();
        user.MapPost("/token", IssueAnonymousToken).WithSummary("An anonymous access token (seed 000).").ReadsJson().ProducesProblems(404, 429)
            .RequireRateLimiting(RateLimits.Tokens);

        // go-zero's `@jwt Auth`: any valid access token, anonymous ones (seed 000) included.
        var authenticated = user.MapGroup("").RequireAuthorization().ProducesProblems(401, 503);
        authenticated.MapPost("/info", GetUserAsync).WithSummary("A user's name by id (seed 000).").ReadsJson().ProducesProblems(404, 429)
            .RequireRateLimiting(RateLimits.UserLookups);

        // Tokens of a registered user's session.
        var registered = authenticated.MapGroup("").RequireAuthorization(AccessTokenAuthentication.RegisteredUserPolicy).ProducesProblems(403);
        registered.MapGet("/info", UserInfoAsync).WithSummary("The caller's own account (seed 003).");
        registered.MapSessionApi();
        registered.MapMfaApi();
        registered.MapEmailApi();

        return app;
    }

    public static async Task<Results<Ok<UserInfoResponse>, ProblemHttpResult>> RegisterAsync(
        RegisterRequest request, Registration registration, HttpContext context, CancellationToken cancellationToken) =>
        (await registration.RegisterAsync(request.Username, request.Password, request.Email, cancellationToken)).ToHttp(context, UserInfoResponse.From);

    public static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> LoginAsync(
        LoginRequest request, Login login, HttpContext context, CancellationToken cancellationToken) =>
        (await login.LoginAsync(request.Username, request.Password, request.TotpCode, request.RecoveryCode, Clients.Of(context), cancellationToken)).ToHttp(context, LoginResponse.From);

    public static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> RefreshAsync(
        RefreshRequest request, TokenRefresh refresh, HttpContext context, CancellationToken cancellationToken) =>
        (await refresh.RefreshAsync(request.RefreshToken, cancellationToken)).ToHttp(context, LoginResponse.From);

    public static Results<Ok<TokenResponse>, ProblemHttpResult> IssueAnonymousToken(
        [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] TokenRequest? request, AnonymousAccess anonymous, HttpContext context) =>
        anonymous.IssueToken().ToHttp(context, TokenResponse.From);

    public static async Task<Results<Ok<UserInfoResponse>, ChallengeHttpResult>> UserInfoAsync(
        ClaimsPrincipal caller, UserLookup users, CancellationToken cancellationToken)
    {
        var current = await users.CurrentUserAsync(caller.UserId(), cancellationToken);
        return current.Failure is { } failure ? Problems.CallerRefused(failure) : TypedResults.Ok(UserInfoResponse.From(current.Value!));
    }

    public static async Task<Results<Ok<GetUserResponse>, ProblemHttpResult, ChallengeHttpResult>> GetUserAsync(
        GetUserRequest request, ClaimsPrincipal caller, UserLookup users, HttpContext context, CancellationToken cancellationToken)
    {
        // A registered user's token counts only while that user exists and is enabled.
        if (caller.IsRegisteredUser() && await users.CurrentUserAsync(caller.UserId(), cancellationToken) is { Failure: { } callerFailure })
        {
            return Problems.CallerRefused(callerFailure);
        }
        if (ParseUserId(request.UserId) is not { } id)
        {
            return Problems.From(request.UserId.ValueKind is JsonValueKind.String or JsonValueKind.Number
                ? Failure.UserNotFound
                : Failure.Validation("userId", "must be a user id"), context);
        }
        var found = await users.FindUserAsync(id, caller.IsRegisteredUser() ? caller.UserId() : null, cancellationToken);
        return found.Failure is { } failure ? Problems.From(failure, context) : TypedResults.Ok(new GetUserResponse(found.Value!.Username));
    }

    private static long? ParseUserId(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt64(out var id) && id > 0 => id,
        JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 => id,
        _ => null,
    };
}
