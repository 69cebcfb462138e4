using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.DependencyInjection;
using UserApi.Authentication;
using UserApi.Tests.Support;
using UserApi.Tokens;

namespace UserApi.Tests.Authentication;

/// <summary>
/// The service's policy evaluator decides every policy as ASP.NET Core's own evaluator does, over the app's
/// own authorization services: its shortcut may only ever say yes where the default says yes.
/// </summary>
public sealed class AccessTokenPolicyEvaluatorTests(EmbeddedBackend app) : IClassFixture<EmbeddedBackend>
{
    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (var caller in Callers.Keys)
        {
            foreach (var policy in Policies.Keys)
            {
                cases.Add(caller, policy);
            }
        }
        return cases;
    }

    [Fact]
    public void TheAppUsesIt() =>
        Assert.IsType<AccessTokenPolicyEvaluator>(app.Services.GetRequiredService<IPolicyEvaluator>());

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task DecidesAsTheDefaultEvaluator(string caller, string policy) =>
        Assert.Equal(await VerdictAsync(DefaultEvaluator, caller, policy), await VerdictAsync(app.Services.GetRequiredService<IPolicyEvaluator>(), caller, policy));

    [Fact]
    public async Task TheCasesCoverEveryVerdict()
    {
        // The comparison above is only worth something if the default evaluator both allows and refuses.
        var verdicts = new SortedSet<string>();
        foreach (var caller in Callers.Keys)
        {
            foreach (var policy in Policies.Keys)
            {
                verdicts.Add(await VerdictAsync(DefaultEvaluator, caller, policy));
            }
        }
        Assert.Equal(["challenged", "forbidden", "succeeded"], verdicts);
    }

    /// <summary>
    /// The authentication result it hands the middleware is the default evaluator's: the request's own when
    /// the authentication middleware set one (for a token's caller, the same completed task every time),
    /// else the default's stand-in.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AuthenticatesAsTheDefaultEvaluator(bool resultSet)
    {
        var evaluator = app.Services.GetRequiredService<IPolicyEvaluator>();
        var policy = await Policies["registered user"](app.Services.GetRequiredService<IAuthorizationPolicyProvider>());
        foreach (var caller in Callers.Values)
        {
            var context = new DefaultHttpContext { RequestServices = app.Services, User = caller };
            if (resultSet && caller is AccessTokenPrincipal token)
            {
                context.Features.Set<IAuthenticateResultFeature>(new ResultFeature(token.Authenticated));
            }

            var expected = await DefaultEvaluator.AuthenticateAsync(policy, context);
            var actual = await evaluator.AuthenticateAsync(policy, context);

            Assert.Equal(expected.Succeeded, actual.Succeeded);
            Assert.Equal(expected.None, actual.None);
            Assert.Same(expected.Principal, actual.Principal);
            if (resultSet && caller is AccessTokenPrincipal)
            {
                Assert.Same(expected, actual);
                Assert.Same(evaluator.AuthenticateAsync(policy, context), evaluator.AuthenticateAsync(policy, context));
            }
        }
    }

    private sealed class ResultFeature(AuthenticateResult result) : IAuthenticateResultFeature
    {
        public AuthenticateResult? AuthenticateResult { get; set; } = result;
    }

    private PolicyEvaluator DefaultEvaluator => new(app.Services.GetRequiredService<IAuthorizationService>());

    private async Task<string> VerdictAsync(IPolicyEvaluator evaluator, string caller, string policyName)
    {
        var policy = await Policies[policyName](app.Services.GetRequiredService<IAuthorizationPolicyProvider>());
        var context = new DefaultHttpContext { RequestServices = app.Services, User = Callers[caller] };
        var authenticated = context.User is AccessTokenPrincipal
            ? AuthenticateResult.Success(new AuthenticationTicket(context.User, AccessTokenAuthenticationHandler.SchemeName))
            : AuthenticateResult.NoResult();
        var result = await evaluator.AuthorizeAsync(policy, authenticated, context, context);
        return result.Succeeded ? "succeeded" : result.Challenged ? "challenged" : result.Forbidden ? "forbidden" : "none";
    }

    private static readonly Dictionary<string, ClaimsPrincipal> Callers = new()
    {
        ["registered user"] = Token(new Claim(TokenClaims.UserId, "42"), new Claim(TokenClaims.SessionId, "s1"), new Claim(TokenClaims.Role, "user")),
        ["anonymous token"] = Token(new Claim(TokenClaims.Role, TokenClaims.AnonymousRole)),
        ["no token"] = new ClaimsPrincipal(new ClaimsIdentity()),
    };

    private static readonly Dictionary<string, Func<IAuthorizationPolicyProvider, Task<AuthorizationPolicy>>> Policies = new()
    {
        // What the route groups combine: RequireAuthorization(), then RequireAuthorization(RegisteredUserPolicy).
        ["authenticated"] = async provider => (await provider.GetDefaultPolicyAsync()),
        ["registered user"] = async provider => AuthorizationPolicy.Combine(
            await provider.GetDefaultPolicyAsync(), (await provider.GetPolicyAsync(AccessTokenAuthentication.RegisteredUserPolicy))!),
        // Requirements the shortcut does not know must reach the authorization service.
        ["registered user and admin role"] = async provider => AuthorizationPolicy.Combine(
            (await provider.GetPolicyAsync(AccessTokenAuthentication.RegisteredUserPolicy))!, new AuthorizationPolicyBuilder().RequireRole("admin").Build()),
        ["user role"] = _ => Task.FromResult(new AuthorizationPolicyBuilder().RequireRole("user").Build()),
        ["an assertion that fails"] = _ => Task.FromResult(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireAssertion(_ => false).Build()),
    };

    private static AccessTokenPrincipal Token(params Claim[] claims) =>
        new(new ClaimsIdentity(claims, AccessTokenAuthenticationHandler.SchemeName, TokenClaims.Subject, TokenClaims.Role));
}
