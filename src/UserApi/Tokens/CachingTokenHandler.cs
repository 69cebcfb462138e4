using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace UserApi.Tokens;

/// <summary>
/// The library's JWT validation, remembered per exact token string: a client presents the same access
/// token on every request until it refreshes, and the signature, claims and shape of a given string never
/// change, so only the first presentation pays for them (~15 µs). The lifetime is checked again on every
/// hit, against the injected clock; revocation is checked per request after this.
/// </summary>
/// <remarks>
/// A hit hands out the principal built on the first validation. That is safe because nothing in this
/// service mutates a principal or identity (no claims transformation is registered).
/// </remarks>
public sealed class CachingTokenHandler : JsonWebTokenHandler
{
    /// <summary>Enough for every live token of a large deployment; when full, the cache starts over.</summary>
    public const int Capacity = 200_000;

    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Entry> _validated;

    // Looks tokens up by the characters of the request's header: a hit copies nothing.
    private readonly ConcurrentDictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> _byChars;

    public CachingTokenHandler(TimeProvider time)
    {
        _time = time;
        _validated = new(StringComparer.Ordinal);
        _byChars = _validated.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public ValueTask<ValidatedToken> ValidateAsync(ReadOnlyMemory<char> token, TokenValidationParameters validationParameters)
    {
        // The same token string may be presented as the other kind: the kind validated is part of the key.
        var kind = TokenService.KindOf(validationParameters);
        if (_byChars.TryGetValue(token.Span, out var entry) && entry.Kind == kind)
        {
            var now = _time.GetUtcNow().UtcDateTime;
            var skew = validationParameters.ClockSkew;
            if (now <= entry.Expires + skew && now >= entry.NotBefore - skew)
            {
                return ValueTask.FromResult(entry.Token);
            }
            // Out of its lifetime: let the full validation produce the proper failure.
            _byChars.TryRemove(token.Span, out _, out _);
        }
        return ValidateAndRememberAsync(AsString(token), validationParameters, kind);
    }

    /// <summary>The header's own string when the token is all of it (sent bare), else a copy of its characters.</summary>
    private static string AsString(ReadOnlyMemory<char> token) =>
        MemoryMarshal.TryGetString(token, out var text, out var start, out var length) && start == 0 && length == text.Length
            ? text
            : token.ToString();

    private async ValueTask<ValidatedToken> ValidateAndRememberAsync(string token, TokenValidationParameters validationParameters, string? kind)
    {
        var result = await ValidateTokenAsync(token, validationParameters);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return new ValidatedToken(result, null);
        }
        if (_validated.Count >= Capacity)
        {
            _validated.Clear();
        }
        // The library's identity reads each claim back out of the token on every look-up; a remembered
        // identity is read on every request, so it gets its claims materialised once.
        var claims = result.ClaimsIdentity;
        var identity = new CaseSensitiveClaimsIdentity([.. claims.Claims], claims.AuthenticationType, claims.NameClaimType, claims.RoleClaimType);
        var validated = new ValidatedToken(result, new AccessTokenPrincipal(identity));
        _validated[token] = new Entry(kind, validated, jwt.ValidFrom, jwt.ValidTo);
        return validated;
    }

    private sealed record Entry(string? Kind, ValidatedToken Token, DateTime NotBefore, DateTime Expires);
}
