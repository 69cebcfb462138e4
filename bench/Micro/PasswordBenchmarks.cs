using System.Text;
using BenchmarkDotNet.Attributes;
using UserApi.Passwords;

/// <summary>
/// Argon2id at the service's parameters (m=19 MiB, t=2, p=1): the service's hasher, and the candidate
/// libraries compared when choosing it (libsodium through Geralt; the managed Konscious and Isopoh).
/// </summary>
[MemoryDiagnoser]
public class PasswordBenchmarks
{
    private const string Password = "correct horse battery staple";
    private static readonly byte[] PasswordBytes = Encoding.UTF8.GetBytes(Password);
    private static readonly byte[] Salt = new byte[16];
    private readonly PasswordHasher _hasher = new();
    private string _hash = null!;

    [GlobalSetup]
    public void Setup() => _hash = _hasher.HashAsync(Password).GetAwaiter().GetResult();

    [Benchmark(Description = "UserApi hash (Geralt/libsodium)")]
    public Task<string> Hash() => _hasher.HashAsync(Password);

    [Benchmark(Baseline = true, Description = "UserApi verify (Geralt/libsodium)")]
    public Task<PasswordVerification> Verify() => _hasher.VerifyAsync(_hash, Password);

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
