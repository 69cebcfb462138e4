using System.Text;

namespace UserApi.Configuration;

/// <summary>What makes an HMAC secret unacceptable (RFC 7518 §3.2: a key of at least the hash size).</summary>
public static class Secrets
{
    public const int MinimumBytes = 32;

    // The seeds' placeholders and the secrets that JWT cracking word lists try first.
    private static readonly HashSet<string> KnownWeak = new(StringComparer.OrdinalIgnoreCase)
    {
        "secret", "your-256-bit-secret", "your-512-bit-secret", "another-different-random-secret",
        "changeme", "change-me", "password", "jwt-secret", "jwtsecret", "secretkey", "secret-key", "mysecret",
        "my-secret", "supersecret", "super-secret", "default", "key", "test", "123456",
    };

    public static int ByteCount(string secret) => Encoding.UTF8.GetByteCount(secret);

    /// <summary>A known placeholder or common secret: <c>change-me…</c>, all <c>x</c>, or a word-list entry.</summary>
    public static bool IsPlaceholder(string secret)
    {
        var trimmed = secret.Trim();
        return trimmed.StartsWith("change-me", StringComparison.OrdinalIgnoreCase)
            || trimmed.StartsWith("changeme", StringComparison.OrdinalIgnoreCase)
            || (trimmed.Length > 0 && trimmed.All(c => c is 'x' or 'X'))
            || KnownWeak.Contains(trimmed);
    }

    /// <summary>One problem with a secret, naming the key and the fix; null when it is acceptable.</summary>
    public static string? Problem(string key, string secret)
    {
        const string Fix = "set it to a random value of at least 32 bytes, e.g. the output of `openssl rand -base64 48`";
        if (string.IsNullOrEmpty(secret))
        {
            return $"{key} is missing: {Fix}.";
        }
        if (IsPlaceholder(secret))
        {
            return $"{key} is a known placeholder or common secret: {Fix}.";
        }
        var bytes = ByteCount(secret);
        return bytes < MinimumBytes ? $"{key} is {bytes} bytes long; HS256 needs at least {MinimumBytes}: {Fix}." : null;
    }
}
