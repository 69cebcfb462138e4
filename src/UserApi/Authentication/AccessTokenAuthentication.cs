using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace UserApi.Authentication;

/// <summary>Registers the access-token scheme as the default and the policies the route groups require.</summary>
public static class AccessTokenAuthentication
{
    /// <summary>A registered user's session (not an anonymous token): <c>RequireAuthorization(RegisteredUserPolicy)</c>.</summary>
    public const string RegisteredUserPolicy = "registered-user";

    public static IServiceCollection AddAccessTokenAuthentication(this IServiceCollection services)
    {
        services.AddSingleton<AccessTokenCache>();
        // The core only: AddAuthentication() would also add DataProtection, whose hosted service writes a key
        // ring at every start, for cookies and tickets this service never issues.
        services.AddAuthenticationCore(options => options.DefaultScheme = AccessTokenAuthenticationHandler.SchemeName);
        services.AddWebEncoders();
        new AuthenticationBuilder(services).AddScheme<AuthenticationSchemeOptions, AccessTokenAuthenticationHandler>(
            AccessTokenAuthenticationHandler.SchemeName, configureOptions: null);
        services.AddAuthorizationBuilder()
            .AddPolicy(RegisteredUserPolicy, policy => policy.RequireAuthenticatedUser().AddRequirements(RegisteredUserRequirement.Instance));
        return services;
    }
}
