using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using UserApi.Accounts;
using UserApi.Sessions;

namespace UserApi.Authentication;

/// <summary>
/// Who the request's access token names: the token from the Authorization header, checked through
/// <see cref="AccessTokenCache"/>, then against the revoked sessions. The one authentication logic, used by
/// the scheme's handler and by <see cref="AccessTokenAuthenticationMiddleware"/>. A caller's result is the one
/// built with its principal, a refusal's one of four made once: a request allocates none. While the revoked
/// sessions are not known to be complete (<see cref="RevocationList.IsComplete"/>) a session's token is
/// answered 503, never accepted: it may belong to a session ended on another instance.
/// </summary>
public sealed class AccessTokenAuthenticator(AccessTokenCache tokens, RevocationList revocations)
{
    private static readonly AuthenticateResult Invalid = Refused(Failure.TokenInvalid);
    private static readonly AuthenticateResult Expired = Refused(Failure.TokenExpired);
    private static readonly AuthenticateResult Revoked = Refused(Failure.SessionRevoked);
    private static readonly AuthenticateResult Unknown = Refused(Failure.RevocationsUnknown);
    private static readonly AuthenticateResult None = AuthenticateResult.NoResult();

    /// <summary>What an endpoint passes to <c>Challenge</c> when the caller's token no longer counts (the user is gone).</summary>
    public static AuthenticationProperties Refusal(Failure failure)
    {
        var properties = new AuthenticationProperties();
        properties.SetParameter(nameof(Failure), failure);
        return properties;
    }

    /// <summary>The failure a refused result or a challenge's properties carry; null when there is none.</summary>
    public static Failure? FailureOf(AuthenticationProperties? properties) => properties?.GetParameter<Failure>(nameof(Failure));

    public ValueTask<AuthenticateResult> AuthenticateAsync(HttpContext context)
    {
        if (ReadToken(context.Request.Headers.Authorization) is not { } token)
        {
            return ValueTask.FromResult(None);
        }
        return AuthenticateAsync(token, context);
    }

    /// <summary>
    /// The check of one access token, for a request's header or a token another service asks about
    /// (<see cref="AccessTokenIntrospection"/>): the token, then its session against the revoked ones. A revoked
    /// session's token passes only for a request whose endpoint allows it (logout); without a request, never.
    /// </summary>
    public async ValueTask<AuthenticateResult> AuthenticateAsync(ReadOnlyMemory<char> token, HttpContext? request)
    {
        if (token.Length == 0)
        {
            return Invalid;
        }
        var checkedToken = await tokens.CheckAsync(token);
        if (checkedToken.Caller is not { } caller)
        {
            return checkedToken.Failure == Tokens.TokenFailure.Expired ? Expired : Invalid;
        }
        if (caller.SessionId is { } sessionId
            && (!revocations.IsComplete || revocations.IsRevoked(sessionId) || caller.IssuedAtSeconds < revocations.EverySessionEndedAtSeconds)
            && request?.GetEndpoint()?.Metadata.GetMetadata<AllowRevokedSessionMetadata>() is null)
        {
            return revocations.IsComplete ? Revoked : Unknown;
        }
        return caller.Authenticated;
    }

    private static AuthenticateResult Refused(Failure failure) => AuthenticateResult.Fail(failure.Title, Refusal(failure));

    /// <summary>
    /// go-zero accepts the bare token as well as <c>Bearer TOKEN</c> (seed 000's curl sends it bare). Only
    /// the Authorization header is read: never a query string or cookie (RFC 6750 §2.3 leaks). Null when
    /// there is no credential; empty when the header holds something that is not a token. The token is the
    /// header's own characters, not a copy: a token seen before is found without allocating.
    /// </summary>
    private static ReadOnlyMemory<char>? ReadToken(StringValues header)
    {
        if (header.Count != 1 || header[0] is not { Length: > 0 } text)
        {
            return null;
        }
        var value = text.AsMemory().Trim();
        const string Bearer = "Bearer";
        if (value.Span.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) && (value.Length == Bearer.Length || value.Span[Bearer.Length] == ' '))
        {
            value = value[Bearer.Length..].Trim();
        }
        return value.Span.Contains(' ') ? ReadOnlyMemory<char>.Empty : value;
    }
}
