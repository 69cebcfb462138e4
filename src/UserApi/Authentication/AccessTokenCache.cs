using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using UserApi.Tokens;

namespace UserApi.Authentication;

/// <summary>The outcome of checking an access token: the caller, or why the token was refused.</summary>
public readonly record struct CheckedAccessToken(AccessTokenPrincipal? Caller, TokenFailure Failure);

/// <summary>
/// Access-token validation (<see cref="TokenService.ValidateAccessTokenAsync"/>), remembered per exact token string: a client presents the
/// same access token on every request until it refreshes, and the signature, claims and shape of a given
/// string never change, so only its first presentation pays for them. The lifetime is checked again on
/// every hit, against the injected clock; revocation is checked per request after this.
/// </summary>
/// <remarks>
/// A hit hands out the principal built on the first validation. That is safe because nothing in this
/// service mutates a principal or identity (no claims transformation is registered).
/// </remarks>
public sealed class AccessTokenCache
{
    /// <summary>Enough for every live token of a large deployment; when full, the cache starts over.</summary>
    public const int Capacity = 200_000;

    private readonly TokenService _tokens;
    private readonly TimeSpan _clockSkew;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Entry> _validated = new(StringComparer.Ordinal);

    // Looks tokens up by the characters of the request's header: a hit copies nothing.
    private readonly ConcurrentDictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _byChars;

    public AccessTokenCache(TokenService tokens, TimeProvider time)
    {
        _tokens = tokens;
        _clockSkew = tokens.AccessValidation.ClockSkew;
        _time = time;
        _byChars = _validated.GetAlternateLookup<ReadOnlySpan<char>>();
        // A key taken out of the ring (a retired or compromised one) must stop its tokens at once.
        tokens.KeysChanged += _validated.Clear;
    }

    public ValueTask<CheckedAccessToken> CheckAsync(ReadOnlyMemory<char> token)
    {
        if (_byChars.TryGetValue(token.Span, out var entry))
        {
            var now = _time.GetUtcNow().UtcDateTime;
            if (now <= entry.Expires + _clockSkew && now >= entry.NotBefore - _clockSkew)
            {
                return ValueTask.FromResult(new CheckedAccessToken(entry.Caller, default));
            }
            // Out of its lifetime: let the full validation produce the proper failure.
            _byChars.TryRemove(token.Span, out _, out _);
        }
        return ValidateAndRememberAsync(AsString(token));
    }

    /// <summary>The header's own string when the token is all of it (sent bare), else a copy of its characters.</summary>
    private static string AsString(ReadOnlyMemory<char> token) =>
        MemoryMarshal.TryGetString(token, out var text, out var start, out var length) && start == 0 && length == text.Length
            ? text
            : token.ToString();

    private async ValueTask<CheckedAccessToken> ValidateAndRememberAsync(string token)
    {
        var result = await _tokens.ValidateAccessTokenAsync(token);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return new CheckedAccessToken(null, TokenService.FailureOf(result));
        }
        if (_validated.Count >= Capacity)
        {
            _validated.Clear();
        }
        // The library's identity reads each claim back out of the token on every look-up; a remembered
        // identity is read on every request, so it gets its claims materialised once.
        var claims = result.ClaimsIdentity;
        var identity = new CaseSensitiveClaimsIdentity([.. claims.Claims], claims.AuthenticationType, claims.NameClaimType, claims.RoleClaimType);
        var caller = new AccessTokenPrincipal(identity);
        _validated[token] = new Entry(caller, jwt.ValidFrom, jwt.ValidTo);
        return new CheckedAccessToken(caller, default);
    }

    private sealed record Entry(AccessTokenPrincipal Caller, DateTime NotBefore, DateTime Expires);
}
