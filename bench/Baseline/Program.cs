using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

// The baseline every UserApi scenario is compared with: the least a Kestrel endpoint can do,
// a GET answered with a small JSON body, built and run exactly like the service.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, BaselineJsonContext.Default));
builder.Services.AddAuthentication(AnyBearerHeader.SchemeName).AddScheme<AuthenticationSchemeOptions, AnyBearerHeader>(AnyBearerHeader.SchemeName, null);
builder.Services.AddAuthorization();
var app = builder.Build();
app.MapGet("/hello", Greet);

// The same GET behind ASP.NET Core's authentication and authorization middleware, with a scheme that
// checks nothing: the least an authenticated endpoint (`RequireAuthorization()`) can do. /hello itself
// never enters this branch.
app.Map("/authenticated", branch =>
{
    branch.UseRouting();
    branch.UseAuthentication();
    branch.UseAuthorization();
    branch.UseEndpoints(endpoints => endpoints.MapGet("/hello", Greet).RequireAuthorization());
});
app.Run();

static Hello Greet() => new(1, "hello", "baseline");

public sealed record Hello(long Id, string Username, string Role);

/// <summary>Authenticates any request that carries an Authorization header, as one fixed caller.</summary>
public sealed class AnyBearerHeader(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    private static readonly ClaimsPrincipal Caller = new(new ClaimsIdentity([new Claim("sub", "1")], SchemeName));

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(Request.Headers.Authorization.Count == 1
        ? AuthenticateResult.Success(new AuthenticationTicket(Caller, SchemeName))
        : AuthenticateResult.NoResult());
}

[JsonSerializable(typeof(Hello))]
internal sealed partial class BaselineJsonContext : JsonSerializerContext;
