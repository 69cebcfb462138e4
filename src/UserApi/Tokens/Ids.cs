using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace UserApi.Tokens;

public static class Ids
{
    /// <summary>128 random bits, base64url: session ids and token ids.</summary>
    public static string New() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));

    /// <summary>An id that is a one-way function of another (the access token's jti from the refresh token's), 128 bits.</summary>
    public static string Derived(string purpose, string id) =>
        Base64UrlEncoder.Encode(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{purpose}:{id}")).AsSpan(0, 16).ToArray());
}
