using System.Text;

namespace UserApi.Users;

/// <summary>
/// Email addresses on accounts: one account per address whatever its case or Unicode form. The whole address is
/// compared case-insensitively after NFKC (RFC 5321 lets a server treat the local part case-sensitively; no
/// mainstream one does, and two accounts on <c>Bob@</c> and <c>bob@</c> would be a takeover waiting to happen).
/// </summary>
public static class EmailAddress
{
    /// <summary>RFC 5321 §4.5.3.1: 64 octets of local part, 255 of domain, 254 in a path.</summary>
    public const int MaximumLength = 254;

    /// <summary>The key the unique index is on; null when the text is not valid Unicode.</summary>
    public static string? Normalize(string email)
    {
        try
        {
            return email.Normalize(NormalizationForm.FormKC).ToUpperInvariant().ToLowerInvariant().Trim();
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The address as stored and mailed to: NFKC, trimmed, its case kept. Only for an address <see cref="Problem"/> accepted.</summary>
    public static string Canonical(string email) => email.Normalize(NormalizationForm.FormKC).Trim();

    /// <summary>Why a text cannot be an account's address; null if it can. Only a bare address: no display name, no comment.</summary>
    public static string? Problem(string email)
    {
        if (Normalize(email) is not { } normalized)
        {
            return "must be valid Unicode text";
        }
        var trimmed = Canonical(email);
        if (normalized.Length == 0 || normalized.Length > MaximumLength)
        {
            return $"must be an address of 1 to {MaximumLength} characters";
        }
        if (trimmed.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) || trimmed.Count(c => c == '@') != 1)
        {
            return "must be one address, like name@example.com";
        }
        var at = trimmed.IndexOf('@');
        return at > 0 && at < trimmed.Length - 1 && trimmed[(at + 1)..].Contains('.', StringComparison.Ordinal)
            && MimeKit.MailboxAddress.TryParse(trimmed, out var parsed) && string.IsNullOrEmpty(parsed.Name) && parsed.Address == trimmed
            ? null
            : "must be one address, like name@example.com";
    }
}
