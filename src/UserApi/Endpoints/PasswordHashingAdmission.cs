using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using UserApi.Accounts;
using UserApi.Passwords;

namespace UserApi.Endpoints;

/// <summary>
/// Routes that hash a password refuse a request while the hashing queue is full before they read it: a storm of
/// logins answered 503 `overloaded` costs a fraction of the core that a refusal after binding and validation
/// costs, and the core is what the admitted hashes need (bench/RESULTS.md, login storm). The use cases still ask
/// for admission themselves; this only answers earlier what they would answer. During such a refusal a request
/// that would have been a 400 (a malformed body) is a 503 too.
/// </summary>
public static class PasswordHashingAdmission
{
    /// <summary>Marks a route whose use case hashes a password (login, registration, password change).</summary>
    public static RouteHandlerBuilder HashesPasswords(this RouteHandlerBuilder route) => route.WithMetadata(HashesPasswordsMetadata.Instance);

    public static IApplicationBuilder UsePasswordHashingAdmission(this IApplicationBuilder app) =>
        app.Use(static (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<HashesPasswordsMetadata>() is null
                || !context.RequestServices.GetRequiredService<HashingQueue>().Refuses(out var wait))
            {
                return next(context);
            }
            var overloaded = Failure.Overloaded(wait);
            OutcomeCounting.Count(context, overloaded.Code);
            return Problems.From(overloaded, context).ExecuteAsync(context);
        });

    private sealed class HashesPasswordsMetadata
    {
        public static readonly HashesPasswordsMetadata Instance = new();
    }
}
