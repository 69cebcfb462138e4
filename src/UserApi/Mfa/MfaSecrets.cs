using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using UserApi.Configuration;

namespace UserApi.Mfa;

/// <summary>
/// What keeps the second factor unreadable in the database: TOTP secrets are encrypted with AES-256-GCM (NIST SP
/// 800-38D) bound to their user's id as associated data, so a row copied onto another user does not decrypt; recovery
/// codes are stored as HMAC-SHA256 under a second key, so a database dump alone gives no way to test guesses. Both keys
/// are derived from <c>Mfa.EncryptionKey</c> with HKDF (RFC 5869), one purpose each.
/// </summary>
public sealed class MfaSecrets
{
    private const byte FormatVersion = 1;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly byte[] _encryptionKey;
    private readonly byte[] _recoveryCodeKey;

    public MfaSecrets(IOptions<MfaOptions> options)
    {
        var master = options.Value.KeyBytes;
        _encryptionKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, info: "user-api totp secret"u8.ToArray());
        _recoveryCodeKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, info: "user-api recovery code"u8.ToArray());
    }

    /// <summary>The secret as stored: base64 of version, nonce, ciphertext and tag.</summary>
    public string Encrypt(long userId, ReadOnlySpan<byte> secret)
    {
        var stored = new byte[1 + NonceBytes + secret.Length + TagBytes];
        stored[0] = FormatVersion;
        var nonce = stored.AsSpan(1, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_encryptionKey, TagBytes);
        aes.Encrypt(nonce, secret, stored.AsSpan(1 + NonceBytes, secret.Length), stored.AsSpan(1 + NonceBytes + secret.Length), AssociatedData(userId));
        return Convert.ToBase64String(stored);
    }

    /// <summary>The secret; a <see cref="CryptographicException"/> when it was not encrypted for this user under this key.</summary>
    public byte[] Decrypt(long userId, string stored)
    {
        var bytes = Convert.FromBase64String(stored);
        if (bytes.Length < 1 + NonceBytes + TagBytes || bytes[0] != FormatVersion)
        {
            throw new CryptographicException("A stored TOTP secret is not in a known format.");
        }
        var length = bytes.Length - 1 - NonceBytes - TagBytes;
        var secret = new byte[length];
        using var aes = new AesGcm(_encryptionKey, TagBytes);
        aes.Decrypt(bytes.AsSpan(1, NonceBytes), bytes.AsSpan(1 + NonceBytes, length), bytes.AsSpan(1 + NonceBytes + length), secret, AssociatedData(userId));
        return secret;
    }

    /// <summary>A recovery code as stored: keyed and bound to the user, of its normalised form.</summary>
    public string HashRecoveryCode(long userId, string normalizedCode) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_recoveryCodeKey, Encoding.UTF8.GetBytes($"{userId}:{normalizedCode}")));

    private static byte[] AssociatedData(long userId)
    {
        var data = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(data, userId);
        return data;
    }
}
