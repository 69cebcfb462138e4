using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using UserApi.Accounts;
using UserApi.Endpoints;
using UserApi.Sessions;
using UserApi.Tokens;

namespace UserApi.Hosting;

/// <summary>JwtBearer configured for go-zero clients and RFC 8725: one algorithm, one <c>typ</c>, header-only transport.</summary>
public sealed class AuthenticationSetup(TokenService tokens, CachingTokenHandler handler, TimeProvider time) : IConfigureNamedOptions<JwtBearerOptions>
{
    private const string FailureKey = "user-api.auth-failure";

    public void Configure(JwtBearerOptions options) => Configure(JwtBearerDefaults.AuthenticationScheme, options);

    public void Configure(string? name, JwtBearerOptions options)
    {
        options.TokenValidationParameters = tokens.AccessValidation;
        options.TokenHandlers.Clear();
        options.TokenHandlers.Add(handler);
        options.MapInboundClaims = false;
        // Nothing reads the raw token back from the authentication properties: do not copy it there per request.
        options.SaveToken = false;
        options.TimeProvider = time;
        options.Events = new JwtBearerEvents
        {
            OnMessageReceived = ReadAuthorizationHeader,
            OnTokenValidated = RejectRevokedSession,
            OnChallenge = WriteChallengeAsync,
            OnForbidden = WriteForbiddenAsync,
        };
    }

    /// <summary>
    /// go-zero accepts the bare token as well as <c>Bearer TOKEN</c> (seed 000's curl sends it bare). Only
    /// the Authorization header is read: never a query string or cookie (RFC 6750 §2.3 leaks).
    /// </summary>
    private static Task ReadAuthorizationHeader(MessageReceivedContext context)
    {
        var header = context.Request.Headers.Authorization;
        if (header.Count != 1 || string.IsNullOrEmpty(header[0]))
        {
            context.NoResult();
            return Task.CompletedTask;
        }

        var value = header[0]!.Trim();
        const string Bearer = "Bearer";
        if (value.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) && (value.Length == Bearer.Length || value[Bearer.Length] == ' '))
        {
            value = value[Bearer.Length..].Trim();
        }

        if (value.Length == 0 || value.Contains(' '))
        {
            context.HttpContext.Items[FailureKey] = AccountError.TokenInvalid;
            context.Fail("The Authorization header does not hold a token.");
            return Task.CompletedTask;
        }
        context.Token = value;
        return Task.CompletedTask;
    }

    private static Task RejectRevokedSession(TokenValidatedContext context)
    {
        var sessionId = context.Principal?.FindFirst(TokenClaims.SessionId)?.Value;
        if (sessionId is not null
            && context.HttpContext.RequestServices.GetRequiredService<RevocationList>().IsRevoked(sessionId)
            && context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<AllowRevokedSessionMetadata>() is null)
        {
            context.HttpContext.Items[FailureKey] = AccountError.SessionRevoked;
            context.Fail("The session has been revoked.");
        }
        return Task.CompletedTask;
    }

    private static async Task WriteChallengeAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        var error = context.HttpContext.Items[FailureKey] as AccountError
            ?? (context.AuthenticateFailure is SecurityTokenExpiredException ? AccountError.TokenExpired : AccountError.TokenInvalid);
        context.Response.Headers.WWWAuthenticate = Problems.BearerChallenge;
        await WriteProblemAsync(context.HttpContext, error);
    }

    private static Task WriteForbiddenAsync(ForbiddenContext context) =>
        WriteProblemAsync(context.HttpContext, new AccountError(StatusCodes.Status403Forbidden, "forbidden", "This token may not use this endpoint."));

    private static async Task WriteProblemAsync(HttpContext context, AccountError error) =>
        await Problems.WriteAsync(context, error.Status, error.Title, error.Code);
}
