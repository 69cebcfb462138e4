using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace UserApi.Configuration;

/// <summary>
/// In the Development environment only, replaces a missing or placeholder HMAC secret with a random one
/// kept in <c>data/dev-secrets.json</c>, and in ES256/RS256 mode generates a missing signing key (an empty
/// <c>Auth.SigningKeys</c> becomes <c>data/dev-signing-key-es256.pem</c>), so the first-run command works and
/// tokens survive restarts. Outside Development the validators refuse these instead.
/// </summary>
public sealed class DevelopmentSecrets(IHostEnvironment environment, ILogger<DevelopmentSecrets> logger) : IPostConfigureOptions<AuthOptions>
{
    public const string FileName = "dev-secrets.json";

    private static readonly Lock FileLock = new();

    // Options are materialised more than once (validation, IOptions, IOptionsMonitor); warn once.
    private int _warned;

    public void PostConfigure(string? name, AuthOptions options)
    {
        if (!environment.IsDevelopment())
        {
            return;
        }

        GenerateMissingSigningKeys(options);
        var replaceAccess = NeedsReplacing(options.AccessSecret);
        var replaceRefresh = NeedsReplacing(options.RefreshSecret);
        if (!replaceAccess && !replaceRefresh)
        {
            return;
        }

        var stored = LoadOrCreate(Path.Combine(environment.ContentRootPath, "data", FileName));
        var warn = Interlocked.Exchange(ref _warned, 1) == 0;
        if (replaceAccess)
        {
            options.AccessSecret = stored.AccessSecret;
        }
        if (replaceRefresh)
        {
            options.RefreshSecret = stored.RefreshSecret;
        }
        if (warn && replaceAccess)
        {
            logger.LogWarning("Auth.AccessSecret is missing or a placeholder: using a random development secret from data/{File}. Set a real secret before running outside Development.", FileName);
        }
        if (warn && replaceRefresh)
        {
            logger.LogWarning("Auth.RefreshSecret is missing or a placeholder: using a random development secret from data/{File}. Set a real secret before running outside Development.", FileName);
        }
    }

    private void GenerateMissingSigningKeys(AuthOptions options)
    {
        if (options.Algorithm is not (SigningAlgorithms.ES256 or SigningAlgorithms.RS256))
        {
            return;
        }
        if (options.SigningKeys.Count == 0)
        {
            var name = options.Algorithm.ToLowerInvariant();
            options.SigningKeys.Add(new SigningKeyOptions { Kid = $"dev-{name}", Path = Path.Combine("data", $"dev-signing-key-{name}.pem") });
        }
        foreach (var entry in options.SigningKeys.Where(e => e.Path.Length > 0))
        {
            var path = Path.GetFullPath(entry.Path, environment.ContentRootPath);
            lock (FileLock)
            {
                if (File.Exists(path))
                {
                    continue;
                }
                DevelopmentFiles.WritePrivate(path, NewKeyPem(options.Algorithm));
            }
            logger.LogWarning("Auth.SigningKeys: generated a development {Algorithm} key for kid {Kid} at {Path}. Provide real keys before running outside Development.", options.Algorithm, entry.Kid, entry.Path);
        }
    }

    private static string NewKeyPem(string algorithm)
    {
        if (algorithm == SigningAlgorithms.ES256)
        {
            using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return ecdsa.ExportPkcs8PrivateKeyPem();
        }
        using var rsa = RSA.Create(3072);
        return rsa.ExportPkcs8PrivateKeyPem();
    }

    private static bool NeedsReplacing(string secret) => string.IsNullOrEmpty(secret) || Secrets.IsPlaceholder(secret);

    private static StoredSecrets LoadOrCreate(string path)
    {
        lock (FileLock)
        {
            if (File.Exists(path) && JsonSerializer.Deserialize(File.ReadAllText(path), ConfigurationJsonContext.Default.StoredSecrets) is { } existing
                && Secrets.Problem("", existing.AccessSecret) is null && Secrets.Problem("", existing.RefreshSecret) is null)
            {
                return existing;
            }

            var created = new StoredSecrets(NewSecret(), NewSecret());
            DevelopmentFiles.WritePrivate(path, JsonSerializer.Serialize(created, ConfigurationJsonContext.Default.StoredSecrets));
            return created;
        }
    }

    private static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
}

public sealed record StoredSecrets(string AccessSecret, string RefreshSecret);

[System.Text.Json.Serialization.JsonSerializable(typeof(StoredSecrets))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class ConfigurationJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
