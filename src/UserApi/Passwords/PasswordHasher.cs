using System.Text;
using Geralt;

namespace UserApi.Passwords;

public enum PasswordVerification
{
    Failed,
    Succeeded,
    SucceededRehashNeeded,
}

/// <summary>
/// Argon2id through libsodium (Geralt), PHC strings (<c>$argon2id$v=19$m=19456,t=2,p=1$...</c>) with
/// OWASP's minimum parameters. libsodium compares in constant time.
/// </summary>
public sealed class PasswordHasher
{
    public const int Iterations = 2;
    public const int MemoryKiB = 19 * 1024;

    private const int MemoryBytes = MemoryKiB * 1024;

    // Verified against when the user does not exist, so that an unknown username costs one Argon2id
    // computation with the same parameters as a wrong password (no timing oracle for enumeration).
    private readonly Lazy<string> _dummyHash = new(() => HashBytes(Encoding.UTF8.GetBytes("user-api timing equaliser")));

    /// <summary>Hashes a password that <see cref="PasswordPolicy"/> accepted.</summary>
    public string Hash(string password) =>
        HashBytes(PasswordPolicy.Normalize(password) ?? throw new ArgumentException("The password is not valid Unicode.", nameof(password)));

    public PasswordVerification Verify(string hash, string password)
    {
        var bytes = PasswordPolicy.Normalize(password);
        if (bytes is null || !hash.StartsWith("$argon2id$", StringComparison.Ordinal))
        {
            return PasswordVerification.Failed;
        }
        try
        {
            if (!Argon2id.VerifyHash(hash, bytes))
            {
                return PasswordVerification.Failed;
            }
        }
        catch (ArgumentException)
        {
            // A malformed stored hash verifies nothing.
            return PasswordVerification.Failed;
        }
        return Argon2id.NeedsRehash(hash, Iterations, MemoryBytes)
            ? PasswordVerification.SucceededRehashNeeded
            : PasswordVerification.Succeeded;
    }

    /// <summary>Spends the time of one verification, for the unknown-user path.</summary>
    public PasswordVerification VerifyDummy(string password)
    {
        Verify(_dummyHash.Value, password);
        return PasswordVerification.Failed;
    }

    /// <summary>Computes the dummy hash ahead of the first login.</summary>
    public void Warm() => _ = _dummyHash.Value;

    private static string HashBytes(byte[] password)
    {
        Span<char> buffer = stackalloc char[Argon2id.HashSize];
        Argon2id.ComputeHash(buffer, password, Iterations, MemoryBytes);
        var end = buffer.IndexOf('\0');
        return new string(end < 0 ? buffer : buffer[..end]);
    }
}
