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
/// At most one hash per core runs at a time; other callers wait their turn asynchronously. Each hash
/// fills 19 MiB: run side by side on one core they only evict each other from the CPU caches and add
/// 19 MiB of resident memory apiece, so queueing them gives both more logins per second and a bounded RSS.
/// A caller that gives up while waiting (a client that closed its request) leaves the queue without costing
/// a computation; once started, a computation runs to the end.
/// </remarks>
public sealed class PasswordHasher
{
    public const int Iterations = 2;
    public const int MemoryKiB = 19 * 1024;

    private const int MemoryBytes = MemoryKiB * 1024;

    private readonly SemaphoreSlim _cores = new(Environment.ProcessorCount, Environment.ProcessorCount);

    // Verified against when the user does not exist, so that an unknown username costs one Argon2id
    // computation with the same parameters as a wrong password (no timing oracle for enumeration).
    private readonly Lazy<string> _dummyHash = new(() => HashBytes(Encoding.UTF8.GetBytes("user-api timing equaliser")));

    /// <summary>Hashes a password that <see cref="PasswordPolicy"/> accepted.</summary>
    public async Task<string> HashAsync(string password, CancellationToken cancellationToken = default)
    {
        var bytes = PasswordPolicy.Normalize(password) ?? throw new ArgumentException("The password is not valid Unicode.", nameof(password));
        await _cores.WaitAsync(cancellationToken);
        try
        {
            return HashBytes(bytes);
        }
        finally
        {
            _cores.Release();
        }
    }

    public async Task<PasswordVerification> VerifyAsync(string hash, string password, CancellationToken cancellationToken = default)
    {
        await _cores.WaitAsync(cancellationToken);
        try
        {
            return Verify(hash, password);
        }
        finally
        {
            _cores.Release();
        }
    }

    /// <summary>Spends the time of one verification, for the unknown-user path; always fails.</summary>
    public async Task<PasswordVerification> VerifyDummyAsync(string password, CancellationToken cancellationToken = default)
    {
        await VerifyAsync(_dummyHash.Value, password, cancellationToken);
        return PasswordVerification.Failed;
    }

    /// <summary>Computes the dummy hash ahead of the first login.</summary>
    public void Warm() => _ = _dummyHash.Value;

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
