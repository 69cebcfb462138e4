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
/// OWASP's minimum parameters. libsodium compares in constant time. Imported bcrypt and ASP.NET Core
/// Identity hashes verify too (<see cref="ImportedPasswordHashes"/>) and ask for a rehash when they match.
/// </summary>
/// <remarks>
/// Every hash runs on the <see cref="HashingQueue"/>'s workers. A request admits itself first
/// (<see cref="Admit"/>), so that an overloaded queue refuses it before any work.
/// </remarks>
public sealed class PasswordHasher(HashingQueue queue)
{
    public const int Iterations = 2;
    public const int MemoryKiB = 19 * 1024;

    private const int MemoryBytes = MemoryKiB * 1024;

    /// <summary>A hasher that admits every request: for the command line and tools, where nobody else waits.</summary>
    public PasswordHasher()
        : this(new HashingQueue(TimeSpan.MaxValue, TimeProvider.System))
    {
    }

    // Verified against when the user does not exist, so that an unknown username costs one Argon2id
    // computation with the same parameters as a wrong password (no timing oracle for enumeration).
    private readonly Lazy<string> _dummyHash = new(() => HashBytes(Encoding.UTF8.GetBytes("user-api timing equaliser")));

    /// <summary>Hashes a password that <see cref="PasswordPolicy"/> accepted.</summary>
    /// <summary>A place in the hashing queue for one request's hashes, or its refusal when the queue is too long.</summary>
    public HashingAdmission Admit() => queue.Admit();

    public Task<string> HashAsync(string password, CancellationToken cancellationToken = default)
    {
        var bytes = PasswordPolicy.Normalize(password) ?? throw new ArgumentException("The password is not valid Unicode.", nameof(password));
        return queue.RunAsync(() => HashBytes(bytes), cancellationToken);
    }

    public Task<PasswordVerification> VerifyAsync(string hash, string password, CancellationToken cancellationToken = default) =>
        queue.RunAsync(() => Verify(hash, password), cancellationToken);

    /// <summary>Spends the time of one verification, for the unknown-user path; always fails.</summary>
    public async Task<PasswordVerification> VerifyDummyAsync(string password, CancellationToken cancellationToken = default)
    {
        await VerifyAsync(_dummyHash.Value, password, cancellationToken);
        return PasswordVerification.Failed;
    }

    /// <summary>Computes the dummy hash ahead of the first login, on a worker, so that the queue has timed a hash before it admits one.</summary>
    public Task WarmAsync(CancellationToken cancellationToken) => queue.RunAsync(() => _dummyHash.Value, cancellationToken);

    private static PasswordVerification Verify(string hash, string password) =>
        ImportedPasswordHashes.FormatOf(hash) switch
        {
            PasswordHashFormat.Argon2id => VerifyArgon2id(hash, password),
            PasswordHashFormat.Unsupported => PasswordVerification.Failed,
            // Another system's hash: replaced by an Argon2id one once the password is known.
            var imported => ImportedPasswordHashes.Verify(imported, hash, password) ? PasswordVerification.SucceededRehashNeeded : PasswordVerification.Failed,
        };

    private static PasswordVerification VerifyArgon2id(string hash, string password)
    {
        var bytes = PasswordPolicy.Normalize(password);
        if (bytes is null)
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

    private static string HashBytes(byte[] password)
    {
        Span<char> buffer = stackalloc char[Argon2id.HashSize];
        Argon2id.ComputeHash(buffer, password, Iterations, MemoryBytes);
        var end = buffer.IndexOf('\0');
        return new string(end < 0 ? buffer : buffer[..end]);
    }
}
