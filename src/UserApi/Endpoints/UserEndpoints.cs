using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using UserApi.Accounts;
using UserApi.Contracts;
using UserApi.Hosting;

namespace UserApi.Endpoints;

/// <summary>The seeds' routes: seed 003's user-api and seed 000's jwt-api, under <c>/user</c>.</summary>
public static class UserEndpoints
{
    public const string RegisteredUserPolicy = "registered-user";

    public static IEndpointRouteBuilder MapUserApi(this IEndpointRouteBuilder app)
    {
        var user = app.MapGroup("/user").WithTags("User");

        user.MapPost("/register", RegisterAsync).WithSummary("Register a user (seed 003).").ReadsJson().ProducesProblems(409);
        user.MapPost("/login", LoginAsync).WithSummary("Log in: a new session and its token pair (seed 003).").ReadsJson().ProducesProblems(401, 429, 503);
        user.MapPost("/refresh", RefreshAsync).WithSummary("Rotate the refresh token: a new pair; a spent token ends the session (seed 003).").ReadsJson().ProducesProblems(401, 503);
        user.MapPost("/token", IssueAnonymousToken).WithSummary("An anonymous access token (seed 000).").ReadsJson().ProducesProblems(404);

        // go-zero's `@jwt Auth`: any valid access token, anonymous ones (seed 000) included.
        var authenticated = user.MapGroup("").RequireAuthorization().ProducesProblems(401);
        authenticated.MapPost("/info", GetUserAsync).WithSummary("A user's name by id (seed 000).").ReadsJson().ProducesProblems(404);

        // Tokens of a registered user's session.
        var registered = authenticated.MapGroup("").RequireAuthorization(RegisteredUserPolicy).ProducesProblems(403);
        registered.MapGet("/info", UserInfoAsync).WithSummary("The caller's own account (seed 003).");
        registered.MapSessionApi();

        return app;
    }

    public static async Task<Results<Ok<UserInfoResponse>, ProblemHttpResult>> RegisterAsync(
        RegisterRequest request, AccountService accounts, HttpContext context, CancellationToken cancellationToken) =>
        (await accounts.RegisterAsync(request.Username, request.Password, cancellationToken)).ToHttp(context, UserInfoResponse.From);

    public static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> LoginAsync(
        LoginRequest request, AccountService accounts, HttpContext context, CancellationToken cancellationToken) =>
        (await accounts.LoginAsync(request.Username, request.Password, ClientInfo.From(context), cancellationToken)).ToHttp(context, LoginResponse.From);

    public static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> RefreshAsync(
        RefreshRequest request, AccountService accounts, HttpContext context, CancellationToken cancellationToken) =>
        (await accounts.RefreshAsync(request.RefreshToken, cancellationToken)).ToHttp(context, LoginResponse.From);

    public static Results<Ok<TokenResponse>, ProblemHttpResult> IssueAnonymousToken(
        [FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] TokenRequest? request, AccountService accounts, HttpContext context) =>
        accounts.IssueAnonymousToken().ToHttp(context, TokenResponse.From);

    public static async Task<Results<Ok<UserInfoResponse>, ProblemHttpResult>> UserInfoAsync(
        ClaimsPrincipal principal, AccountService accounts, HttpContext context, CancellationToken cancellationToken) =>
        (await accounts.CurrentUserAsync(principal.UserId(), cancellationToken)).ToHttp(context, UserInfoResponse.From);

    public static async Task<Results<Ok<GetUserResponse>, ProblemHttpResult>> GetUserAsync(
        GetUserRequest request, ClaimsPrincipal caller, AccountService accounts, HttpContext context, CancellationToken cancellationToken)
    {
        // A registered user's token counts only while that user exists and is enabled.
        if (caller.IsRegisteredUser() && await accounts.CurrentUserAsync(caller.UserId(), cancellationToken) is { Error: { } callerError })
        {
            return Problems.From(callerError, context);
        }
        if (ParseUserId(request.UserId) is not { } id)
        {
            return request.UserId.ValueKind is JsonValueKind.String or JsonValueKind.Number
                ? Problems.From(AccountError.UserNotFound)
                : Problems.From(AccountError.Validation("userId", "must be a user id"));
        }
        return (await accounts.FindUserAsync(id, cancellationToken)).ToHttp(context, u => new GetUserResponse(u.Username));
    }

    private static long? ParseUserId(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt64(out var id) && id > 0 => id,
        JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 => id,
        _ => null,
    };
}
