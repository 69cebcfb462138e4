using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using UserApi.Accounts;
using UserApi.Configuration;
using UserApi.Contracts;
using UserApi.Tokens;

namespace UserApi.Endpoints;

/// <summary>
/// What lets another service verify access tokens with no secret: the public keys (RFC 7517) and the
/// discovery document that points at them, public and cacheable.
/// </summary>
public static class KeyEndpoints
{
    public const string JwksPath = "/.well-known/jwks.json";
    public const string DiscoveryPath = "/.well-known/openid-configuration";

    /// <summary>
    /// Seconds a consumer or proxy may keep the keys: well under README's rotation waits (a next key is published
    /// 15 minutes before it signs), so every cache has it before its first token.
    /// </summary>
    public const int MaxAgeSeconds = 300;

    public static IEndpointRouteBuilder MapKeyPublication(this IEndpointRouteBuilder app)
    {
        var wellKnown = app.MapGroup("").WithTags("Keys").AddEndpointFilter(static (context, next) =>
        {
            // Not credentials: public keys and metadata, meant to be cached (the pipeline's default is no-store).
            var headers = context.HttpContext.Response.Headers;
            headers.CacheControl = $"public, max-age={MaxAgeSeconds}";
            headers.Remove("Pragma");
            return next(context);
        });
        wellKnown.MapGet(JwksPath, Jwks).WithSummary("The public keys of access tokens (RFC 7517); empty in HS256 mode.");
        wellKnown.MapGet(DiscoveryPath, Discovery).WithSummary("Discovery metadata: issuer, jwks_uri, algorithm (needs Auth.Issuer to be the public base URL).")
            .ProducesProblems(404);
        return app;
    }

    public static Ok<JsonWebKeySetResponse> Jwks(SigningKeys keys) =>
        TypedResults.Ok(new JsonWebKeySetResponse([.. keys.Current.PublicKeys.Select(k => new PublicJsonWebKey(k.Kty, k.Kid, k.Use, k.Alg, k.Crv, k.X, k.Y, k.N, k.E))]));

    public static Results<Ok<DiscoveryResponse>, ProblemHttpResult> Discovery(IOptions<AuthOptions> options, SigningKeys keys, HttpContext context)
    {
        // The URLs come from the configured issuer, never from the request's Host header: a cached document with
        // an attacker's jwks_uri would make every consumer trust the attacker's keys.
        var issuer = options.Value.Issuer;
        if (AuthOptionsValidator.IssuerUrl(issuer) is null)
        {
            return Problems.From(Failure.DiscoveryUnavailable, context);
        }
        var baseUrl = issuer.TrimEnd('/');
        return TypedResults.Ok(new DiscoveryResponse(
            issuer, baseUrl + JwksPath, [keys.Current.Algorithm], ["public"], baseUrl + IntrospectionEndpoints.Path, ["client_secret_basic"]));
    }
}
