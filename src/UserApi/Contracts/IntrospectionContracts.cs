using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Serialization;

namespace UserApi.Contracts;

/// <summary>
/// RFC 7662 §2.2: <c>{"active": false}</c> alone for a token that does not count, else the token's claims.
/// <c>token_type</c> is the OAuth token type (RFC 6749 §7.1), the one these tokens are presented with.
/// </summary>
public sealed record IntrospectionResponse(
    [property: JsonPropertyName("active")] bool Active,
    [property: JsonPropertyName("sub"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Sub = null,
    [property: JsonPropertyName("sid"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Sid = null,
    [property: JsonPropertyName("role"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role = null,
    [property: JsonPropertyName("exp"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Exp = null,
    [property: JsonPropertyName("iat"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Iat = null,
    [property: JsonPropertyName("iss"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Iss = null,
    [property: JsonPropertyName("aud"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Aud = null,
    [property: JsonPropertyName("token_type"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TokenType = null,
    [property: JsonPropertyName("amr"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Amr = null)
{
    public static readonly IntrospectionResponse Inactive = new(false);

    public static IntrospectionResponse From(ClaimsPrincipal caller)
    {
        string? Claim(string type) => caller.FindFirst(type)?.Value;
        long? Time(string type) => long.TryParse(Claim(type), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds : null;
        // A session's token says how its user signed in (RFC 8176); an anonymous token has no amr.
        var amr = caller.FindAll("amr").Select(c => c.Value).ToList();
        return new IntrospectionResponse(true, Claim("sub"), Claim("sid"), Claim("role"), Time("exp"), Time("iat"), Claim("iss"), Claim("aud"), "Bearer", amr.Count > 0 ? amr : null);
    }
}
