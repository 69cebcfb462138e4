using System.Globalization;
using System.Text;

namespace UserApi.Users;

/// <summary>
/// One normalisation for register and login (RFC 8265's UsernameCaseMapped, simplified): NFKC, then
/// case folding, then surrounding white space dropped. So <c>Admin</c>, <c>admin </c> and the
/// full-width <c>ａｄｍｉｎ</c> are one account.
/// </summary>
public static class Username
{
    public const int MaximumCharacters = 64;

    /// <summary>The key the unique index is on; null when the text is not valid Unicode.</summary>
    public static string? Normalize(string username)
    {
        try
        {
            return username.Normalize(NormalizationForm.FormKC).ToUpperInvariant().ToLowerInvariant().Trim();
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Why a username cannot be registered; null if it can.</summary>
    public static string? Problem(string username)
    {
        var normalized = Normalize(username);
        if (normalized is null)
        {
            return "must be valid Unicode text";
        }
        if (normalized.Length == 0)
        {
            return "must not be empty";
        }
        var characters = 0;
        foreach (var rune in normalized.EnumerateRunes())
        {
            characters++;
            // Control and invisible format characters (zero-width spaces, bidi overrides) make look-alike names.
            if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned)
            {
                return "must not contain control, format or unassigned characters";
            }
        }
        return characters > MaximumCharacters ? $"must be at most {MaximumCharacters} characters" : null;
    }
}
