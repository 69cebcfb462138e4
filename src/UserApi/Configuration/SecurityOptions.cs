namespace UserApi.Configuration;

/// <summary>The <c>Security</c> section: brute-force limits, trusted proxies, request size.</summary>
public sealed class SecurityOptions
{
    public const string SectionName = "Security";

    /// <summary>Failed logins of one account within the window before it is locked (with back-off).</summary>
    public int MaxFailedLoginsPerAccount { get; set; } = 5;

    /// <summary>Failed logins from one client IP within the window before it is locked: bounds password spraying.</summary>
    public int MaxFailedLoginsPerIp { get; set; } = 100;

    /// <summary>Seconds a failure is remembered (from the last failure).</summary>
    public int FailedLoginWindow { get; set; } = 900;

    /// <summary>Seconds of the first lock; each further failure doubles it, up to the window.</summary>
    public int LockoutSeconds { get; set; } = 30;

    /// <summary>Addresses of reverse proxies whose <c>X-Forwarded-For</c> is believed; nobody else's is.</summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>Largest request body accepted on the auth endpoints; larger ones are refused before parsing.</summary>
    public int MaxRequestBodyBytes { get; set; } = 16 * 1024;

    public TimeSpan Window => TimeSpan.FromSeconds(FailedLoginWindow);

    /// <summary>The lock after <paramref name="failures"/> failures against a limit of <paramref name="limit"/>, or zero.</summary>
    public TimeSpan LockoutAfter(long failures, int limit)
    {
        if (failures < limit)
        {
            return TimeSpan.Zero;
        }
        var doublings = Math.Min(failures - limit, 20);
        var lockout = TimeSpan.FromSeconds(LockoutSeconds * Math.Pow(2, doublings));
        return lockout < Window ? lockout : Window;
    }
}

public sealed class SecurityOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<SecurityOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, SecurityOptions options)
    {
        var problems = new List<string>();
        if (options.MaxFailedLoginsPerAccount < 1)
        {
            problems.Add($"Security.MaxFailedLoginsPerAccount is {options.MaxFailedLoginsPerAccount}: use 1 or more (5 is the default).");
        }
        if (options.MaxFailedLoginsPerIp < 1)
        {
            problems.Add($"Security.MaxFailedLoginsPerIp is {options.MaxFailedLoginsPerIp}: use 1 or more (100 is the default).");
        }
        if (options.FailedLoginWindow < 1 || options.LockoutSeconds < 1)
        {
            problems.Add("Security.FailedLoginWindow and Security.LockoutSeconds must be positive numbers of seconds.");
        }
        if (options.MaxRequestBodyBytes < 1024)
        {
            problems.Add($"Security.MaxRequestBodyBytes is {options.MaxRequestBodyBytes}: use at least 1024 (16384 is the default).");
        }
        foreach (var proxy in options.TrustedProxies)
        {
            if (!System.Net.IPAddress.TryParse(proxy, out _))
            {
                problems.Add($"Security.TrustedProxies entry '{proxy}' is not an IP address.");
            }
        }
        return problems.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(problems);
    }
}
