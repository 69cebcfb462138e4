using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace UserApi.Configuration;

/// <summary>
/// In the Development environment only, a missing <c>Mfa.EncryptionKey</c> becomes a random one kept in
/// <c>data/dev-mfa-key</c> (mode 0600), so that the first run works and enrolled factors survive restarts, as
/// <see cref="DevelopmentSecrets"/> does for the token secrets. Elsewhere the validator refuses a missing key.
/// </summary>
public sealed class DevelopmentMfaKey(IHostEnvironment environment, ILogger<DevelopmentMfaKey> logger) : IPostConfigureOptions<MfaOptions>
{
    public const string FileName = "dev-mfa-key";

    private static readonly Lock FileLock = new();

    private int _warned;

    public void PostConfigure(string? name, MfaOptions options)
    {
        if (!environment.IsDevelopment() || options.EncryptionKey.Length > 0)
        {
            return;
        }
        options.EncryptionKey = LoadOrCreate(Path.Combine(environment.ContentRootPath, "data", FileName));
        if (Interlocked.Exchange(ref _warned, 1) == 0)
        {
            logger.LogWarning("Mfa.EncryptionKey is missing: using a random development key from data/{File}. Set a real key before running outside Development.", FileName);
        }
    }

    private static string LoadOrCreate(string path)
    {
        lock (FileLock)
        {
            if (File.Exists(path) && File.ReadAllText(path).Trim() is var existing && MfaOptions.KeyProblem(existing) is null)
            {
                return existing;
            }
            var created = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            DevelopmentFiles.WritePrivate(path, created);
            return created;
        }
    }
}
