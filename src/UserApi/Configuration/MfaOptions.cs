namespace UserApi.Configuration;

/// <summary>The <c>Mfa</c> section: the key the TOTP secrets are encrypted with at rest.</summary>
public sealed class MfaOptions
{
    public const string SectionName = "Mfa";

    /// <summary>Exactly 32 random bytes, base64: the AES-256-GCM key of the TOTP secrets and the HMAC key of the recovery codes (each derived with HKDF).</summary>
    public string EncryptionKey { get; set; } = "";

    /// <summary>The key's bytes; only valid after validation.</summary>
    public byte[] KeyBytes => Convert.FromBase64String(EncryptionKey);

    /// <summary>Why a key cannot be used; null when it can.</summary>
    public static string? KeyProblem(string key)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return "Mfa.EncryptionKey is missing: set it to 32 random bytes in base64 (openssl rand -base64 32); it encrypts the TOTP secrets at rest.";
        }
        var bytes = new byte[64];
        return Convert.TryFromBase64String(key, bytes, out var length) && length == 32
            ? null
            : "Mfa.EncryptionKey must be exactly 32 bytes in base64 (openssl rand -base64 32).";
    }
}
