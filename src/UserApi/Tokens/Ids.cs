using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace UserApi.Tokens;

public static class Ids
{
    /// <summary>128 random bits, base64url: session ids and token ids.</summary>
    public static string New()
    {
        Span<byte> bits = stackalloc byte[16];
        RandomNumberGenerator.Fill(bits);
        return Base64Url.EncodeToString(bits);
    }

    /// <summary>An id that is a one-way function of another (the access token's jti from the refresh token's), 128 bits.</summary>
    public static string Derived(string purpose, string id)
    {
        var input = $"{purpose}:{id}";
        var maxBytes = Encoding.UTF8.GetMaxByteCount(input.Length);
        Span<byte> utf8 = maxBytes <= 256 ? stackalloc byte[maxBytes] : new byte[maxBytes];
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(input, utf8)], hash);
        return Base64Url.EncodeToString(hash[..16]);
    }
}
