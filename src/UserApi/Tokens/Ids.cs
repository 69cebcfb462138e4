using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace UserApi.Tokens;

public static class Ids
{
    /// <summary>128 random bits, base64url: session ids and token ids.</summary>
    public static string New() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
}
