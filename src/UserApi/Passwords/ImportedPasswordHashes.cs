using System.Buffers.Binary;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;

namespace UserApi.Passwords;

/// <summary>
/// Recognises a stored hash's format, and verifies the formats of other systems (bcrypt, ASP.NET Core
/// Identity) with their own well-kept implementations, so that an existing user table can be imported as
/// it is. A verified imported hash is replaced by an Argon2id one at that login.
/// </summary>
/// <remarks>
/// The other systems hashed the password as the user typed it (UTF-8, no normalisation), so that is what
/// is verified here; the Argon2id hash that replaces it is of the NFKC form, as for every other password.
/// A hash whose stated cost is beyond what a login can afford (bcrypt cost over 16, about 4 s here; over a
/// million PBKDF2 iterations) counts as unsupported rather than as a way to stall a core.
/// </remarks>
public static partial class ImportedPasswordHashes
{
    public const int MaximumBcryptCost = 16;
    public const int MaximumPbkdf2Iterations = 1_000_000;

    private const int IdentityV2Length = 1 + 16 + 32;
    private const int IdentityV3HeaderLength = 13;
    private const int IdentityMinimumSaltOrSubkeyBytes = 16;

    // Identity's verification reads nothing of the user (it is there for subclasses); one instance serves every call.
    private static readonly PasswordHasher<object> IdentityHasher = new();
    private static readonly object NoUser = new();

    public static PasswordHashFormat FormatOf(string hash)
    {
        if (hash.StartsWith("$argon2id$", StringComparison.Ordinal))
        {
            return PasswordHashFormat.Argon2id;
        }
        if (BcryptHash().Match(hash) is { Success: true } bcrypt)
        {
            return int.Parse(bcrypt.Groups["cost"].ValueSpan) is >= 4 and <= MaximumBcryptCost ? PasswordHashFormat.Bcrypt : PasswordHashFormat.Unsupported;
        }
        return IsAspNetIdentityHash(hash) ? PasswordHashFormat.AspNetIdentity : PasswordHashFormat.Unsupported;
    }

    /// <summary>Whether the password matches a hash of a format other than the service's own.</summary>
    public static bool Verify(PasswordHashFormat format, string hash, string password) => format switch
    {
        PasswordHashFormat.Bcrypt => VerifyBcrypt(hash, password),
        PasswordHashFormat.AspNetIdentity =>
            IdentityHasher.VerifyHashedPassword(NoUser, hash, password) != PasswordVerificationResult.Failed,
        _ => false,
    };

    private static bool VerifyBcrypt(string hash, string password)
    {
        try
        {
            // Compares the computed hash with the stored one in constant time.
            return BCrypt.Net.BCrypt.Verify(password, hash);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            return false;
        }
    }

    /// <summary>
    /// Identity's layout (PasswordHasher.cs): v2 is <c>0x00 | salt[16] | subkey[32]</c>; v3 is
    /// <c>0x01 | prf | iterations | salt length</c> (big-endian 32-bit each) <c>| salt | subkey</c>.
    /// </summary>
    private static bool IsAspNetIdentityHash(string hash)
    {
        Span<byte> bytes = stackalloc byte[512];
        if (hash.Length == 0 || hash.Length > 680 || !Convert.TryFromBase64String(hash, bytes, out var length))
        {
            return false;
        }
        bytes = bytes[..length];
        switch (bytes[0])
        {
            case 0x00:
                return length == IdentityV2Length;
            case 0x01 when length >= IdentityV3HeaderLength:
                var prf = BinaryPrimitives.ReadUInt32BigEndian(bytes[1..]);
                var iterations = BinaryPrimitives.ReadUInt32BigEndian(bytes[5..]);
                var saltLength = BinaryPrimitives.ReadUInt32BigEndian(bytes[9..]);
                return prf <= 2 && iterations is >= 1 and <= MaximumPbkdf2Iterations
                    && saltLength >= IdentityMinimumSaltOrSubkeyBytes
                    && length - IdentityV3HeaderLength - (long)saltLength >= IdentityMinimumSaltOrSubkeyBytes;
            default:
                return false;
        }
    }

    [GeneratedRegex(@"^\$2[aby]\$(?<cost>[0-9]{2})\$[./A-Za-z0-9]{53}$")]
    private static partial Regex BcryptHash();
}
