using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace UserApi.Tokens;

/// <summary>
/// Checks the library leaves to the application (RFC 8725 §3, the OWASP JWT cheat sheet): a token must
/// look exactly like one this service issues. Only <c>alg</c> and <c>typ</c> in the header, so <c>jwk</c>,
/// <c>jku</c>, <c>x5u</c>, <c>x5c</c>, <c>kid</c> and <c>crit</c> are refused rather than ignored (RFC 7515
/// §4.1.11 requires refusing an unknown <c>crit</c>); the expected <c>typ</c> (RFC 8725 §3.11); canonical
/// base64url in every segment; and <c>exp</c>, <c>nbf</c>, <c>iat</c> as integers in range, with <c>iat</c>
/// not in the future.
/// </summary>
public static class TokenShape
{
    private const long MaxNumericDate = 253402300799; // 9999-12-31T23:59:59Z

    /// <summary>A <see cref="TokenValidationParameters.TypeValidator"/> for tokens of <paramref name="expectedType"/>.</summary>
    public static TypeValidator Validator(string expectedType, TimeProvider time) => (type, token, parameters) =>
    {
        if (token is not JsonWebToken jwt || jwt.IsEncrypted)
        {
            throw new SecurityTokenInvalidTypeException("Only compact JWS tokens are accepted.");
        }
        if (!string.Equals(type, expectedType, StringComparison.OrdinalIgnoreCase))
        {
            throw new SecurityTokenInvalidTypeException("The token's typ is not the expected one.");
        }
        if (!IsCanonical(jwt.EncodedHeader) || !IsCanonical(jwt.EncodedPayload) || !IsCanonical(jwt.EncodedSignature))
        {
            throw new SecurityTokenMalformedException("A token segment is not canonical base64url.");
        }
        CheckHeader(jwt.EncodedHeader);
        CheckTimes(jwt.EncodedPayload, time.GetUtcNow().ToUnixTimeSeconds() + (long)parameters.ClockSkew.TotalSeconds);
        return type;
    };

    private static void CheckHeader(string encodedHeader)
    {
        using var header = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(encodedHeader));
        foreach (var property in header.RootElement.EnumerateObject())
        {
            if (property.Name is not ("alg" or "typ"))
            {
                throw new SecurityTokenInvalidTypeException("The token header has a parameter this service never issues.");
            }
        }
    }

    private static void CheckTimes(string encodedPayload, long latestIssuedAt)
    {
        using var payload = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(encodedPayload));
        foreach (var name in new[] { "exp", "nbf", "iat" })
        {
            if (!payload.RootElement.TryGetProperty(name, out var value))
            {
                continue;
            }
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var seconds) || seconds is < 0 or > MaxNumericDate)
            {
                throw new SecurityTokenInvalidLifetimeException($"The token's {name} is not a NumericDate.");
            }
            if (name == "iat" && seconds > latestIssuedAt)
            {
                throw new SecurityTokenInvalidLifetimeException("The token claims to be issued in the future.");
            }
        }
    }

    /// <summary>Unpadded base64url whose unused trailing bits are zero: exactly one spelling per byte string.</summary>
    public static bool IsCanonical(string segment)
    {
        if (segment.Length % 4 == 1)
        {
            return false;
        }
        foreach (var c in segment)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }
        return Base64UrlEncoder.Encode(Base64UrlEncoder.DecodeBytes(segment)) == segment;
    }
}
