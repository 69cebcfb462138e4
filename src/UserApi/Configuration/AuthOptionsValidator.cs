using Microsoft.Extensions.Options;

namespace UserApi.Configuration;

/// <summary>Start-up checks of the <c>Auth</c> section: every problem is reported, each naming its key and the fix.</summary>
public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public const int MaxClockSkewSeconds = 60;
    public const int MaxRevocationResyncInterval = 300;

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var problems = new List<string>();
        void Check(string? problem)
        {
            if (problem is not null)
            {
                problems.Add(problem);
            }
        }

        if (!SigningAlgorithms.Supported.Contains(options.Algorithm, StringComparer.Ordinal))
        {
            problems.Add(options.Algorithm == "EdDSA"
                ? "Auth.Algorithm is EdDSA, which Microsoft.IdentityModel (what this service and an ASP.NET Core AddJwtBearer consumer verify with) does not support: use ES256, or RS256 for consumers without ECDSA."
                : $"Auth.Algorithm is '{options.Algorithm}': use HS256 (a shared secret, as go-zero), ES256 or RS256 (keys in Auth.SigningKeys, published at /.well-known/jwks.json).");
        }
        // Access tokens are signed with AccessSecret only in HS256 mode; refresh tokens always with RefreshSecret.
        if (options.IsHmac || options.AccessSecret.Length > 0)
        {
            Check(Secrets.Problem("Auth.AccessSecret", options.AccessSecret));
        }
        if (options.VerifyTokenExpire < 60 || options.ResetTokenExpire < 60)
        {
            problems.Add($"Auth.VerifyTokenExpire ({options.VerifyTokenExpire}) and Auth.ResetTokenExpire ({options.ResetTokenExpire}) must be at least 60 seconds (86400 and 1800 are the defaults).");
        }
        Check(Secrets.Problem("Auth.RefreshSecret", options.RefreshSecret));
        if (options.PrevAccessSecret.Length > 0)
        {
            Check(Secrets.Problem("Auth.PrevAccessSecret", options.PrevAccessSecret));
        }
        if (options.PrevRefreshSecret.Length > 0)
        {
            Check(Secrets.Problem("Auth.PrevRefreshSecret", options.PrevRefreshSecret));
        }
        (string Key, string Secret)[] accessSecrets = [("Auth.AccessSecret", options.AccessSecret), ("Auth.PrevAccessSecret", options.PrevAccessSecret)];
        (string Key, string Secret)[] refreshSecrets = [("Auth.RefreshSecret", options.RefreshSecret), ("Auth.PrevRefreshSecret", options.PrevRefreshSecret)];
        foreach (var (accessKey, access) in accessSecrets.Where(a => a.Secret.Length > 0))
        {
            foreach (var (refreshKey, _) in refreshSecrets.Where(r => r.Secret == access))
            {
                problems.Add($"{accessKey} and {refreshKey} are equal: use two different random values, so that one kind of token can never be forged from the other's key.");
            }
        }
        if (options.AccessExpire <= 0)
        {
            problems.Add($"Auth.AccessExpire is {options.AccessExpire}: set the access-token lifetime to a positive number of seconds (e.g. 900).");
        }
        if (options.RefreshExpire <= 0)
        {
            problems.Add($"Auth.RefreshExpire is {options.RefreshExpire}: set the session lifetime to a positive number of seconds (e.g. 604800).");
        }
        if (options.ClockSkew is < 0 or > MaxClockSkewSeconds)
        {
            problems.Add($"Auth.ClockSkew is {options.ClockSkew}: use 0 to {MaxClockSkewSeconds} seconds.");
        }
        if (options.RefreshReuseInterval < 0 || options.RefreshReuseInterval > options.AccessExpire && options.AccessExpire > 0)
        {
            problems.Add($"Auth.RefreshReuseInterval is {options.RefreshReuseInterval}: use 0 (off) up to Auth.AccessExpire seconds; 10 is typical.");
        }
        if (options.MaxSessionsPerUser < 1)
        {
            problems.Add($"Auth.MaxSessionsPerUser is {options.MaxSessionsPerUser}: allow at least 1 session per user (50 is the default).");
        }
        if (options.RevocationResyncInterval is < 1 or > MaxRevocationResyncInterval)
        {
            problems.Add($"Auth.RevocationResyncInterval is {options.RevocationResyncInterval}: use 1 to {MaxRevocationResyncInterval} seconds (10 is the default); it bounds how long a lost revocation message goes unenforced.");
        }
        if (options.SessionIdleTimeout < 0)
        {
            problems.Add($"Auth.SessionIdleTimeout is {options.SessionIdleTimeout}: use 0 (off) or a positive number of seconds.");
        }
        if (options.TokenCacheMegabytes < 1)
        {
            problems.Add($"Auth.TokenCacheMegabytes is {options.TokenCacheMegabytes}: give the access-token cache at least 1 MiB (64 is the default).");
        }
        if (string.IsNullOrWhiteSpace(options.Issuer))
        {
            problems.Add("Auth.Issuer is empty: set it to this service's name (e.g. user-api), or to its public base URL (https://auth.example.com) for /.well-known/openid-configuration.");
        }
        else if (options.Issuer.Contains("://", StringComparison.Ordinal) && IssuerUrl(options.Issuer) is null)
        {
            // RFC 8414 §2: an issuer URL has no query and no fragment; discovery documents derive their URLs from it.
            problems.Add($"Auth.Issuer '{options.Issuer}' is not an absolute http(s) URL without query or fragment: use the public base URL (e.g. https://auth.example.com) or a plain name (user-api).");
        }
        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            problems.Add("Auth.Audience is empty: set it to the name the token consumers expect (e.g. user-api).");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>The issuer as the base URL of the discovery document (RFC 8414 §2, §3); null when it is a plain name.</summary>
    public static Uri? IssuerUrl(string issuer) =>
        Uri.TryCreate(issuer, UriKind.Absolute, out var url) && url.Scheme is "https" or "http" && url.Query.Length == 0 && url.Fragment.Length == 0
            && !issuer.Contains('?', StringComparison.Ordinal) && !issuer.Contains('#', StringComparison.Ordinal)
            ? url
            : null;
}
