using System.Text;
using BenchmarkDotNet.Attributes;
using UserApi.Passwords;

/// <summary>
/// Argon2id at the service's parameters (m=19 MiB, t=2, p=1): the service's hasher, and the candidate
/// libraries compared when choosing it (libsodium through Geralt; the managed Konscious and Isopoh); and
/// the one-off cost of an imported user's first login: verifying go-zero's bcrypt (cost 10) and ASP.NET
/// Core Identity's v3 hash (PBKDF2-HMAC-SHA512, 100,000 iterations, .NET 7+'s default).
/// </summary>
[MemoryDiagnoser]
public class PasswordBenchmarks
{
    private const string Password = "correct horse battery staple";
    private static readonly byte[] PasswordBytes = Encoding.UTF8.GetBytes(Password);
    private static readonly byte[] Salt = new byte[16];
    private readonly PasswordHasher _hasher = new();
    private string _hash = null!;
    private string _bcrypt = null!;
    private string _identity = null!;

    [GlobalSetup]
    public void Setup()
    {
        _hash = _hasher.HashAsync(Password).GetAwaiter().GetResult();
        _bcrypt = BCrypt.Net.BCrypt.HashPassword(Password, workFactor: 10);
        _identity = new Microsoft.AspNetCore.Identity.PasswordHasher<object>().HashPassword(new object(), Password);
    }

    [Benchmark(Description = "UserApi hash (Geralt/libsodium)")]
    public Task<string> Hash() => _hasher.HashAsync(Password);

    [Benchmark(Baseline = true, Description = "UserApi verify (Geralt/libsodium)")]
    public Task<PasswordVerification> Verify() => _hasher.VerifyAsync(_hash, Password);

    [Benchmark(Description = "UserApi verify, imported bcrypt cost 10 (BCrypt.Net-Next)")]
    public Task<PasswordVerification> VerifyImportedBcrypt() => _hasher.VerifyAsync(_bcrypt, Password);

    [Benchmark(Description = "UserApi verify, imported Identity v3 (PBKDF2-SHA512, 100k)")]
    public Task<PasswordVerification> VerifyImportedIdentity() => _hasher.VerifyAsync(_identity, Password);

    [Benchmark(Description = "Konscious.Security.Cryptography.Argon2 (managed)")]
    public byte[] Konscious()
    {
        using var argon2 = new Konscious.Security.Cryptography.Argon2id(PasswordBytes)
        {
            Salt = Salt,
            Iterations = PasswordHasher.Iterations,
            MemorySize = PasswordHasher.MemoryKiB,
            DegreeOfParallelism = 1,
        };
        return argon2.GetBytes(32);
    }

    [Benchmark(Description = "Isopoh.Cryptography.Argon2 (managed)")]
    public string Isopoh() => global::Isopoh.Cryptography.Argon2.Argon2.Hash(new global::Isopoh.Cryptography.Argon2.Argon2Config
    {
        Password = PasswordBytes,
        Salt = Salt,
        TimeCost = PasswordHasher.Iterations,
        MemoryCost = PasswordHasher.MemoryKiB,
        Lanes = 1,
        Threads = 1,
        Type = global::Isopoh.Cryptography.Argon2.Argon2Type.HybridAddressing,
    });
}
