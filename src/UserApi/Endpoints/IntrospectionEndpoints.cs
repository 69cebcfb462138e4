using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using UserApi.Accounts;
using UserApi.Authentication;
using UserApi.Contracts;

namespace UserApi.Endpoints;

/// <summary>
/// <c>POST /token/introspect</c> (RFC 7662): whether an access token still counts, for the services listed in
/// <c>Introspection.Clients</c>; they learn of a logout or a disabled user as UserApi's own routes do.
/// </summary>
public static class IntrospectionEndpoints
{
    public const string Path = "/token/introspect";

    public static IEndpointRouteBuilder MapIntrospection(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, IntrospectAsync).WithTags("Keys")
            .WithSummary("Whether an access token is active (RFC 7662): form body token=…, HTTP Basic client authentication.")
            .Accepts<IntrospectionForm>("application/x-www-form-urlencoded").ProducesProblems(400, 401, 413, 415, 503);
        return app;
    }

    /// <summary>The form's fields, for the API document (RFC 7662 §2.1); <c>token_type_hint</c> is accepted and unused: there is one kind.</summary>
    public sealed record IntrospectionForm(string Token, string? TokenTypeHint);

    public static async Task<Results<Ok<IntrospectionResponse>, ProblemHttpResult>> IntrospectAsync(
        HttpContext context, IntrospectionClients clients, AccessTokenIntrospection introspection, CancellationToken cancellationToken)
    {
        // RFC 7662 §2.1: the caller is authenticated before anything about the token is said.
        if (!clients.Authenticate(context.Request.Headers.Authorization))
        {
            context.Response.Headers.WWWAuthenticate = IntrospectionClients.Challenge;
            return Problems.From(Failure.InvalidClient, context);
        }
        if (!context.Request.HasFormContentType)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "The body must be application/x-www-form-urlencoded.");
        }
        var form = await context.Request.ReadFormAsync(cancellationToken);
        if (form["token"] is not [{ Length: > 0 } token])
        {
            return Problems.From(Failure.Validation("token", "is required, once"), context);
        }
        var result = await introspection.IntrospectAsync(token);
        return result switch
        {
            { Failure: { } failure } => Problems.From(failure, context),
            { Caller: { } caller } => TypedResults.Ok(IntrospectionResponse.From(caller)),
            _ => TypedResults.Ok(IntrospectionResponse.Inactive),
        };
    }
}
