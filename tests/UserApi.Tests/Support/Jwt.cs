using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace UserApi.Tests.Support;

/// <summary>Reads and forges JWTs the way an attacker would, to prove the service refuses them.</summary>
public static class Jwt
{
    public static JsonElement Header(string token) => Part(token, 0);

    public static JsonElement Payload(string token) => Part(token, 1);

    /// <summary>Re-encodes the token with an edited header and/or payload, keeping the old signature.</summary>
    public static string Edit(string token, Action<JsonObject>? header = null, Action<JsonObject>? payload = null, string? signature = null)
    {
        var parts = token.Split('.');
        var h = JsonNode.Parse(Base64UrlEncoder.Decode(parts[0]))!.AsObject();
        var p = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject();
        header?.Invoke(h);
        payload?.Invoke(p);
        return $"{Encode(h)}.{Encode(p)}.{signature ?? parts[2]}";
    }

    /// <summary>The same claims, signed with another key (raw HMAC: an attacker is not bound by the library's key-size rules).</summary>
    public static string Resign(string token, string secret, string algorithm = SecurityAlgorithms.HmacSha256) =>
        Resign(token, Encoding.UTF8.GetBytes(secret), algorithm);

    public static string Resign(string token, byte[] key, string algorithm = SecurityAlgorithms.HmacSha256)
    {
        var parts = token.Split('.');
        var header = JsonNode.Parse(Base64UrlEncoder.Decode(parts[0]))!.AsObject();
        var name = algorithm switch
        {
            SecurityAlgorithms.HmacSha384 => "HS384",
            SecurityAlgorithms.HmacSha512 => "HS512",
            _ => "HS256",
        };
        header["alg"] = name;
        return Sign(header, JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject(), input => name switch
        {
            "HS384" => HMACSHA384.HashData(key, input),
            "HS512" => HMACSHA512.HashData(key, input),
            _ => HMACSHA256.HashData(key, input),
        });
    }

    /// <summary>Header and payload of the attacker's choosing, signed by the given function.</summary>
    public static string Sign(JsonObject header, JsonObject payload, Func<byte[], byte[]> sign)
    {
        var signingInput = $"{Encode(header)}.{Encode(payload)}";
        return $"{signingInput}.{Base64UrlEncoder.Encode(sign(Encoding.ASCII.GetBytes(signingInput)))}";
    }

    /// <summary>The token's claims with an edited header and/or payload, correctly signed with the service's own access secret.</summary>
    public static string EditAndSign(string token, string secret, Action<JsonObject>? header = null, Action<JsonObject>? payload = null)
    {
        var parts = token.Split('.');
        var h = JsonNode.Parse(Base64UrlEncoder.Decode(parts[0]))!.AsObject();
        var p = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject();
        header?.Invoke(h);
        payload?.Invoke(p);
        return Sign(h, p, input => HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), input));
    }

    public static string Encode(JsonObject json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json.ToJsonString()));

    public static string CreateToken(string secret, string type, IDictionary<string, object> claims, DateTime issuedAt, DateTime expires) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = type,
            Issuer = "user-api",
            Audience = "user-api",
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = expires,
            Claims = claims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
        });

    private static JsonElement Part(string token, int index) =>
        JsonDocument.Parse(Base64UrlEncoder.Decode(token.Split('.')[index])).RootElement;
}
