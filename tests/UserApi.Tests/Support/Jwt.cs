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

    /// <summary>The same claims, signed with another key.</summary>
    public static string Resign(string token, string secret, string algorithm = SecurityAlgorithms.HmacSha256)
    {
        var parts = token.Split('.');
        var header = JsonNode.Parse(Base64UrlEncoder.Decode(parts[0]))!.AsObject();
        header["alg"] = algorithm switch
        {
            SecurityAlgorithms.HmacSha384 => "HS384",
            SecurityAlgorithms.HmacSha512 => "HS512",
            _ => "HS256",
        };
        var signingInput = $"{Encode(header)}.{parts[1]}";
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret));
        var signature = Sign(signingInput, key, algorithm);
        return $"{signingInput}.{signature}";
    }

    private static string Sign(string input, SecurityKey key, string algorithm)
    {
        var provider = CryptoProviderFactory.Default.CreateForSigning(key, algorithm);
        try
        {
            return Base64UrlEncoder.Encode(provider.Sign(Encoding.ASCII.GetBytes(input)));
        }
        finally
        {
            CryptoProviderFactory.Default.ReleaseSignatureProvider(provider);
        }
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
