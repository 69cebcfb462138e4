using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace UserApi.Authentication;

/// <summary>Registers the access-token scheme as the default and the policies the route groups require.</summary>
public static class AccessTokenAuthentication
{
    /// <summary>A registered user's session (not an anonymous token): <c>RequireAuthorization(RegisteredUserPolicy)</c>.</summary>
    public const string RegisteredUserPolicy = "registered-user";

    /// <summary>An enabled admin, as the database holds the user now (<see cref="AdminRequirement"/>): <c>RequireAuthorization(AdminPolicy)</c>.</summary>
    public const string AdminPolicy = "admin";

    public static IServiceCollection AddAccessTokenAuthentication(this IServiceCollection services)
    {
        services.AddSingleton<AccessTokenCache>();
        services.AddSingleton<AccessTokenAuthenticator>();
        // The core only: AddAuthentication() would also add DataProtection, whose hosted service writes a key
        // ring at every start, for cookies and tickets this service never issues.
        services.AddAuthenticationCore(options => options.DefaultScheme = AccessTokenAuthenticationHandler.SchemeName);
        services.AddWebEncoders();
        new AuthenticationBuilder(services).AddScheme<AuthenticationSchemeOptions, AccessTokenAuthenticationHandler>(
            AccessTokenAuthenticationHandler.SchemeName, configureOptions: null);
        services.AddAuthorizationBuilder()
            .AddPolicy(RegisteredUserPolicy, policy => policy.RequireAuthenticatedUser().AddRequirements(RegisteredUserRequirement.Instance))
            .AddPolicy(AdminPolicy, policy => policy.RequireAuthenticatedUser().AddRequirements(RegisteredUserRequirement.Instance, AdminRequirement.Instance));
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, AdminRequirementHandler>();
        services.Replace(ServiceDescriptor.Singleton<IPolicyEvaluator, AccessTokenPolicyEvaluator>());
        return services;
    }

    /// <summary>Authentication, then ASP.NET Core's authorization of the endpoints' policies.</summary>
    public static IApplicationBuilder UseAccessTokenAuthentication(this IApplicationBuilder app)
    {
        // The mark UseAuthentication() leaves: without it, WebApplication puts the framework's authentication
        // middleware in front of the pipeline as soon as a scheme is registered, and every request would pay twice.
        app.Properties["__AuthenticationMiddlewareSet"] = true;
        return app.UseMiddleware<AccessTokenAuthenticationMiddleware>().UseAuthorization();
    }
}
