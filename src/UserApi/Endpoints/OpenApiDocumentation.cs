using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using UserApi.Contracts;

namespace UserApi.Endpoints;

/// <summary>
/// The OpenAPI 3.1 document (<c>GET /openapi/v1.json</c>) as ASP.NET Core generates it from the route tables,
/// with what the generator cannot know: the bearer scheme of the protected routes, and the <c>code</c>
/// every problem carries.
/// </summary>
public static class OpenApiDocumentation
{
    public const string DocumentPath = "/openapi/{documentName}.json";
    public const string ReferencePrefix = "/docs";
    private const string BearerScheme = "bearer";

    public static IServiceCollection AddUserApiOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "UserApi";
                document.Info.Description =
                    "JWT user authentication: go-zero's user-api and jwt-api routes, with rotating refresh tokens, sessions and logout everywhere. " +
                    "Every error is an RFC 9457 problem with a stable `code`.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = BearerScheme,
                    BearerFormat = "JWT",
                    Description = "An access token from /user/login, /user/refresh or /user/token, in the Authorization header, with or without `Bearer `.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Any())
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
                }
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer((schema, context, _) =>
            {
                if (context.JsonTypeInfo.Type == typeof(ProblemDetails))
                {
                    schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
                    schema.Properties[ProblemResponses.CodeKey] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String,
                        Description = "Stable machine code: validation_failed, invalid_credentials, username_taken, token_invalid, token_expired, session_revoked, refresh_token_reused, rate_limited, backend_unavailable, overloaded, …",
                    };
                }
                return Task.CompletedTask;
            });
        });

    /// <summary>
    /// The document and the API reference page (Scalar, at <c>/docs/v1</c>). The page's script is served from
    /// the service itself, its fonts are the browser's, and Scalar's telemetry, AI agent and developer toolbar
    /// (links to Scalar's hosted services) are off: it makes no request elsewhere. Its inline script carries a
    /// nonce drawn for each request, which <see cref="ReferenceContentSecurityPolicy"/> names.
    /// </summary>
    public static IEndpointRouteBuilder MapUserApiOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(DocumentPath);
        app.MapScalarApiReference(ReferencePrefix, options => options
            .WithTitle("UserApi")
            .WithOpenApiRoutePattern(DocumentPath)
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .HideDeveloperTools()
            .WithNonce());
        return app;
    }

    /// <summary>
    /// The reference page's Content-Security-Policy: scripts only from the service and the page's own nonce, requests
    /// only to the service, no plugins, no base rewriting, no framing (clickjacking). Scalar sets inline styles.
    /// </summary>
    public static string ReferenceContentSecurityPolicy(HttpContext context)
    {
        var nonce = context.Items.TryGetValue(ScalarOptions.NonceHttpContextItemKey, out var value) && value is string drawn ? $" 'nonce-{drawn}'" : "";
        return $"default-src 'none'; script-src 'self'{nonce}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
            "font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }

    /// <summary>A route with a JSON body: 400 for what does not parse, 413 for a body over the limit, 415 for another content type.</summary>
    public static RouteHandlerBuilder ReadsJson(this RouteHandlerBuilder builder) => builder.ProducesProblems(400, 413, 415);

    /// <summary>Declares the problem statuses a route answers with, for the document.</summary>
    public static TBuilder ProducesProblems<TBuilder>(this TBuilder builder, params int[] statuses) where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses)
        {
            builder.ProducesProblem(status);
        }
        return builder;
    }
}
