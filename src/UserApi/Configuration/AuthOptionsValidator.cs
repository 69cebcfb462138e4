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

        Check(Secrets.Problem("Auth.AccessSecret", options.AccessSecret));
        Check(Secrets.Problem("Auth.RefreshSecret", options.RefreshSecret));
        if (options.PrevAccessSecret.Length > 0)
        {
            Check(Secrets.Problem("Auth.PrevAccessSecret", options.PrevAccessSecret));
        }
        if (options.AccessSecret.Length > 0 && options.AccessSecret == options.RefreshSecret)
        {
            problems.Add("Auth.AccessSecret and Auth.RefreshSecret are equal: use two different random values, so that one kind of token can never be forged from the other's key.");
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
            problems.Add("Auth.Issuer is empty: set it to this service's name (e.g. user-api).");
        }
        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            problems.Add("Auth.Audience is empty: set it to the name the token consumers expect (e.g. user-api).");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
