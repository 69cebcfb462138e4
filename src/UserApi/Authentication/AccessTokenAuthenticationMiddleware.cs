using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;

namespace UserApi.Authentication;

/// <summary>
/// What ASP.NET Core's <c>UseAuthentication()</c> does for the default scheme, the request's user and
/// authentication result, without creating the scheme's handler and services on every request: that
/// plumbing cost <c>GET /user/info</c> a quarter of its throughput (bench/RESULTS.md, 2026-12-03). Challenges and forbids
/// still go through the scheme (<see cref="AccessTokenAuthenticationHandler"/>).
/// </summary>
public sealed class AccessTokenAuthenticationMiddleware(RequestDelegate next, AccessTokenAuthenticator authenticator)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var result = await authenticator.AuthenticateAsync(context);
        if (result.Succeeded)
        {
            var features = new AuthenticationFeatures(result);
            context.Features.Set<IHttpAuthenticationFeature>(features);
            context.Features.Set<IAuthenticateResultFeature>(features);
        }
        else if (result.Failure is not null)
        {
            // For the challenge, should the endpoint need a caller: why the token was refused.
            context.Features.Set<IAuthenticateResultFeature>(new Refusal(result));
        }
        await next(context);
    }

    private sealed class Refusal(AuthenticateResult result) : IAuthenticateResultFeature
    {
        public AuthenticateResult? AuthenticateResult { get; set; } = result;
    }

    /// <summary>The request's user and authentication result, as ASP.NET Core's authentication middleware keeps them.</summary>
    private sealed class AuthenticationFeatures(AuthenticateResult result) : IHttpAuthenticationFeature, IAuthenticateResultFeature
    {
        private AuthenticateResult? _result = result;
        private ClaimsPrincipal? _user = result.Principal;

        public AuthenticateResult? AuthenticateResult
        {
            get => _result;
            set
            {
                _result = value;
                _user = value?.Principal;
            }
        }

        public ClaimsPrincipal? User
        {
            get => _user;
            set
            {
                _user = value;
                _result = null;
            }
        }
    }
}
