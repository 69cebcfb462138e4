using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;

namespace UserApi.Authentication;

/// <summary>
/// ASP.NET Core's policy evaluator as a singleton that decides this service's own policies itself when they
/// pass: a policy made only of "authenticated" and <see cref="RegisteredUserRequirement"/>, for a caller of an
/// access token, is checked here exactly as those requirements' handlers check it (a test compares every
/// verdict with the default's). Everything else (a caller who fails, whose challenge or forbid the default
/// works out, and any other requirement) goes to <see cref="PolicyEvaluator"/>. The default is created, with
/// an authorization service and a handler context, on every request (its cost: bench/RESULTS.md).
/// </summary>
public sealed class AccessTokenPolicyEvaluator(IAuthorizationService authorization) : PolicyEvaluator(authorization)
{
    private static readonly Task<PolicyAuthorizationResult> Succeeded = Task.FromResult(PolicyAuthorizationResult.Success());

    /// <summary>
    /// What the default evaluator returns for a policy that names no authentication scheme, the request's
    /// authentication result, without a new task per request when that result is the token's own.
    /// </summary>
    public override Task<AuthenticateResult> AuthenticateAsync(AuthorizationPolicy policy, HttpContext context) =>
        policy.AuthenticationSchemes.Count == 0
        && context.User is AccessTokenPrincipal caller
        && ReferenceEquals(context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult, caller.Authenticated)
            ? caller.AuthenticatedTask
            : base.AuthenticateAsync(policy, context);

    public override Task<PolicyAuthorizationResult> AuthorizeAsync(AuthorizationPolicy policy, AuthenticateResult authenticationResult, HttpContext context, object? resource) =>
        authenticationResult.Succeeded && context.User is AccessTokenPrincipal caller && Satisfies(policy, caller)
            ? Succeeded
            : base.AuthorizeAsync(policy, authenticationResult, context, resource);

    private static bool Satisfies(AuthorizationPolicy policy, AccessTokenPrincipal caller)
    {
        // By index: a foreach over the interface would allocate an enumerator per request.
        var requirements = policy.Requirements;
        for (var i = 0; i < requirements.Count; i++)
        {
            var met = requirements[i] switch
            {
                DenyAnonymousAuthorizationRequirement => caller.Identity?.IsAuthenticated == true,
                RegisteredUserRequirement => caller.IsRegisteredUser(),
                _ => false,
            };
            if (!met)
            {
                return false;
            }
        }
        return true;
    }
}
