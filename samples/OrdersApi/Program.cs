using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;

// A downstream service that trusts UserApi's access tokens with no shared secret: AddJwtBearer reads UserApi's
// discovery document (UserApi:Authority = UserApi's Auth.Issuer, its public base URL), then the keys at its
// jwks_uri, and checks each token's signature, issuer, audience, lifetime and type against them.
var builder = WebApplication.CreateBuilder(args);
var userApi = builder.Configuration.GetSection("UserApi");

builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
{
    options.Authority = userApi["Authority"] ?? throw new InvalidOperationException("Set UserApi:Authority to UserApi's Auth.Issuer (e.g. https://auth.example.com).");
    options.Audience = userApi["Audience"] ?? "user-api";
    // Plain http only for a UserApi on this machine (the tests); anywhere else its keys must come over TLS.
    options.RequireHttpsMetadata = !userApi.GetValue("AllowHttpMetadata", false);
    options.MapInboundClaims = false;
    // Keys are fetched again every 10 minutes, inside the 15 minutes UserApi's rotation waits before a new key
    // signs; a token naming a kid not yet seen also makes the handler fetch them again (at most every 5 minutes).
    options.AutomaticRefreshInterval = TimeSpan.FromMinutes(10);
    // RFC 9068 §4: an access token's typ is at+jwt; UserApi's refresh tokens (rt+jwt) are refused here.
    options.TokenValidationParameters.ValidTypes = ["at+jwt"];
    // RFC 8725 §3.1: only the asymmetric algorithms UserApi can be configured with, never HS256 or none.
    options.TokenValidationParameters.ValidAlgorithms = ["ES256", "RS256"];
    options.TokenValidationParameters.NameClaimType = "sub";
    options.TokenValidationParameters.RoleClaimType = "role";
});
builder.Services.AddAuthorization();

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapGet("/orders", (ClaimsPrincipal user) => TypedResults.Ok(new OrdersResponse(user.FindFirstValue("sub"), user.FindFirstValue("role"), [])))
    .RequireAuthorization();
app.MapGet("/healthz", () => TypedResults.Ok("ok"));
app.Run();

/// <summary>The caller as UserApi's token names it, and its orders (none: this is a sample).</summary>
public sealed record OrdersResponse(string? User, string? Role, IReadOnlyList<string> Orders);
