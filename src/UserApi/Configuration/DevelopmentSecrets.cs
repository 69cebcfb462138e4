using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace UserApi.Configuration;

/// <summary>
/// In the Development environment only, replaces a missing or placeholder HMAC secret with a random one
/// kept in <c>data/dev-secrets.json</c>, so the first-run command works and tokens survive restarts.
/// Outside Development the validator refuses such secrets instead.
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
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, JsonSerializer.Serialize(created, ConfigurationJsonContext.Default.StoredSecrets));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            return created;
        }
    }

    private static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
}

public sealed record StoredSecrets(string AccessSecret, string RefreshSecret);

[System.Text.Json.Serialization.JsonSerializable(typeof(StoredSecrets))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class ConfigurationJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
