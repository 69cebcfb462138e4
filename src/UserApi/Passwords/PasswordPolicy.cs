using System.Text;

namespace UserApi.Passwords;

/// <summary>
/// NIST SP 800-63B §5.1.1.2 rules: at least 8 characters, long passphrases allowed, every character
/// significant (no trimming, no truncation), Unicode compared after NFKC normalisation.
/// </summary>
public static class PasswordPolicy
{
    public const int MinimumCharacters = 8;
    public const int MaximumBytes = 1024;

    /// <summary>The bytes that are hashed: NFKC-normalised UTF-8. Null when the text is not valid Unicode.</summary>
    public static byte[]? Normalize(string password)
    {
        try
        {
            return Encoding.UTF8.GetBytes(password.Normalize(NormalizationForm.FormKC));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Why a password cannot be accepted on any path (too long to hash, or not Unicode); null if it can.</summary>
    public static string? UsableProblem(string password)
    {
        // Checked on the raw text first so that an oversized password costs no normalisation either.
        if (Encoding.UTF8.GetMaxByteCount(password.Length) > MaximumBytes && Encoding.UTF8.GetByteCount(password) > MaximumBytes)
        {
            return $"must be at most {MaximumBytes} bytes";
        }
        var normalized = Normalize(password);
        if (normalized is null)
        {
            return "must be valid Unicode text";
        }
        return normalized.Length > MaximumBytes ? $"must be at most {MaximumBytes} bytes" : null;
    }

    /// <summary>Why a new password is refused; null if it is acceptable.</summary>
    public static string? NewPasswordProblem(string password)
    {
        if (UsableProblem(password) is { } problem)
        {
            return problem;
        }
        var characters = password.Normalize(NormalizationForm.FormKC).EnumerateRunes().Count();
        return characters < MinimumCharacters ? $"must be at least {MinimumCharacters} characters" : null;
    }
}
