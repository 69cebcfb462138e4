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
/// million PBKDF2 iterations; Argon2id over 64 MiB, 10 passes or 8 lanes) counts as unsupported rather than
/// as a way to stall a core or, for Argon2id, to take gigabytes per login.
/// </remarks>
public static partial class ImportedPasswordHashes
{
    public const int MaximumBcryptCost = 16;
    public const int MaximumPbkdf2Iterations = 1_000_000;

    // RFC 9106 §4's second recommended option (for memory-constrained machines) is 64 MiB: with one hash
    // per core at a time (PasswordHasher) the hashes then never hold more than cores × 64 MiB.
    public const long MaximumArgon2idMemoryKiB = 64 * 1024;

    // 64 MiB × 10 passes is about 17 times the service's own cost (19 MiB × 2 passes): slow for one login,
    // but a bound, where a stated t=50 over 4 GiB would hold a core and that memory for minutes.
    public const long MaximumArgon2idIterations = 10;

    // libsodium computes lanes one after another, so they add no memory or time; RFC 9106 recommends 4, and
    // 8 leaves room above it.
    public const long MaximumArgon2idParallelism = 8;

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
            return IsAffordableArgon2idHash(hash) ? PasswordHashFormat.Argon2id : PasswordHashFormat.Unsupported;
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

    private static bool IsAffordableArgon2idHash(string hash) =>
        Argon2idParameters().Match(hash) is { Success: true } parameters
        && long.Parse(parameters.Groups["m"].ValueSpan) <= MaximumArgon2idMemoryKiB
        && long.Parse(parameters.Groups["t"].ValueSpan) <= MaximumArgon2idIterations
        && long.Parse(parameters.Groups["p"].ValueSpan) <= MaximumArgon2idParallelism;

    // The PHC string's parameters as libsodium reads them (the version is optional there); at most ten digits
    // each, so that parsing cannot overflow.
    [GeneratedRegex(@"^\$argon2id\$(?:v=[0-9]{1,10}\$)?m=(?<m>[0-9]{1,10}),t=(?<t>[0-9]{1,10}),p=(?<p>[0-9]{1,10})\$")]
    private static partial Regex Argon2idParameters();

    [GeneratedRegex(@"^\$2[aby]\$(?<cost>[0-9]{2})\$[./A-Za-z0-9]{53}$")]
    private static partial Regex BcryptHash();
}
