using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace UserApi.Tokens;

/// <summary>
/// Checks the library leaves to the application (RFC 8725 §3, the OWASP JWT cheat sheet): a token must
/// look exactly like one this service issues. Only <c>alg</c>, <c>typ</c> and <c>kid</c> in the header, so
/// <c>jwk</c>, <c>jku</c>, <c>x5u</c>, <c>x5c</c> and <c>crit</c> are refused rather than ignored (RFC 7515
/// §4.1.11 requires refusing an unknown <c>crit</c>; RFC 8725 §3.10: no key comes from the token); a <c>kid</c>
/// only as a string naming a key of the ring, so it is never a path or a query; the expected <c>typ</c>
/// (RFC 8725 §3.11); canonical
/// base64url in every segment; and <c>exp</c>, <c>nbf</c>, <c>iat</c> as integers in range, with <c>iat</c>
/// not in the future.
/// </summary>
public static class TokenShape
{
    private const long MaxNumericDate = 253402300799; // 9999-12-31T23:59:59Z

    /// <summary>A <see cref="TokenValidationParameters.TypeValidator"/> for tokens of <paramref name="expectedType"/>.</summary>
    /// <param name="kids">the kids of the keys that verify this kind of token</param>
    /// <param name="kidRequired">whether a token must name its key (every asymmetric one does); else a kid may be absent</param>
    public static TypeValidator Validator(string expectedType, TimeProvider time, IReadOnlySet<string> kids, bool kidRequired) => (type, token, parameters) =>
    {
        if (token is not JsonWebToken jwt || jwt.IsEncrypted)
        {
            throw new SecurityTokenInvalidTypeException("Only compact JWS tokens are accepted.");
        }
        if (!string.Equals(type, expectedType, StringComparison.OrdinalIgnoreCase))
        {
            throw new SecurityTokenInvalidTypeException("The token's typ is not the expected one.");
        }
        // The segments as spans of the token: the library's EncodedHeader, EncodedPayload and EncodedSignature
        // would each make a string of their own (their share of a refresh's allocations: bench/RESULTS.md).
        var compact = jwt.EncodedToken.AsSpan();
        var (firstDot, lastDot) = (compact.IndexOf('.'), compact.LastIndexOf('.'));
        var header = compact[..firstDot];
        var payload = compact[(firstDot + 1)..lastDot];
        var signature = compact[(lastDot + 1)..];
        if (!IsCanonical(header) || !IsCanonical(payload) || !IsCanonical(signature))
        {
            throw new SecurityTokenMalformedException("A token segment is not canonical base64url.");
        }
        CheckHeader(header, kids, kidRequired);
        CheckTimes(payload, time.GetUtcNow().ToUnixTimeSeconds() + (long)parameters.ClockSkew.TotalSeconds);
        return type;
    };

    private static void CheckHeader(ReadOnlySpan<char> encodedHeader, IReadOnlySet<string> kids, bool kidRequired)
    {
        var state = new HeaderState(kids);
        ForEachMember(encodedHeader, static (ref reader, state) =>
        {
            if (reader.ValueTextEquals("kid"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String || !state.Kids.Contains(reader.GetString()!))
                {
                    throw new SecurityTokenInvalidTypeException("The token's kid names no key of this service.");
                }
                state.SawKid = true;
            }
            else if (!(reader.ValueTextEquals("alg"u8) || reader.ValueTextEquals("typ"u8)))
            {
                throw new SecurityTokenInvalidTypeException("The token header has a parameter this service never issues.");
            }
        }, state);
        if (kidRequired && !state.SawKid)
        {
            throw new SecurityTokenInvalidTypeException("The token names no key (kid).");
        }
    }

    private sealed class HeaderState(IReadOnlySet<string> kids)
    {
        public IReadOnlySet<string> Kids { get; } = kids;

        public bool SawKid { get; set; }
    }

    private static void CheckTimes(ReadOnlySpan<char> encodedPayload, long latestIssuedAt) => ForEachMember(encodedPayload, static (ref reader, latestIssuedAt) =>
    {
        var name = reader.ValueTextEquals("exp"u8) ? "exp" : reader.ValueTextEquals("nbf"u8) ? "nbf" : reader.ValueTextEquals("iat"u8) ? "iat" : null;
        if (name is null)
        {
            return;
        }
        reader.Read();
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var seconds) || seconds is < 0 or > MaxNumericDate)
        {
            throw new SecurityTokenInvalidLifetimeException($"The token's {name} is not a NumericDate.");
        }
        if (name == "iat" && seconds > latestIssuedAt)
        {
            throw new SecurityTokenInvalidLifetimeException("The token claims to be issued in the future.");
        }
    }, latestIssuedAt);

    private delegate void MemberCheck<in TArgument>(ref Utf8JsonReader reader, TArgument argument);

    /// <summary>
    /// Calls <paramref name="check"/> with the reader on each member name of the segment's top-level object,
    /// every occurrence of a repeated name included. The library has parsed the segment already, so it is a
    /// JSON object; reading it again with a reader over a pooled buffer allocates nothing.
    /// </summary>
    private static void ForEachMember<TArgument>(ReadOnlySpan<char> segment, MemberCheck<TArgument> check, TArgument argument)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(segment.Length));
        try
        {
            var json = buffer.AsSpan(0, Base64Url.DecodeFromChars(segment, buffer));
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new SecurityTokenMalformedException("A token segment is not a JSON object.");
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                check(ref reader, argument);
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    reader.Read();
                }
                reader.Skip();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Unpadded base64url whose unused trailing bits are zero: exactly one spelling per byte string. Only the
    /// last group of four characters can carry unused bits, so it alone is decoded and encoded again.
    /// </summary>
    public static bool IsCanonical(ReadOnlySpan<char> segment)
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
        var last = segment[(segment.Length - (segment.Length % 4 is 0 ? Math.Min(4, segment.Length) : segment.Length % 4))..];
        Span<byte> bytes = stackalloc byte[3];
        Span<char> again = stackalloc char[4];
        return Base64Url.DecodeFromChars(last, bytes, out _, out var length) == OperationStatus.Done
            && Base64Url.TryEncodeToChars(bytes[..length], again, out var written)
            && again[..written].SequenceEqual(last);
    }
}
