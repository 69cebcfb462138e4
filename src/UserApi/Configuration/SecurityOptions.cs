using System.Net;

namespace UserApi.Configuration;

/// <summary>The <c>Security</c> section: brute-force limits, request rate limits, trusted proxies, request size.</summary>
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

    /// <summary>
    /// Anonymous tokens (<c>POST /user/token</c>) one client network may mint per minute; 0: no limit. Generous: a token
    /// is cheap to issue, and an office behind one NAT address may start hundreds of clients.
    /// </summary>
    public int TokenRequestsPerMinute { get; set; } = 300;

    /// <summary>
    /// Registrations one client network may attempt per minute; 0: no limit. Each costs a password hash, and a
    /// <c>username_taken</c> answer tells whether a name exists: a slow enumeration oracle is the point.
    /// </summary>
    public int RegistrationsPerMinute { get; set; } = 20;

    /// <summary>
    /// <c>POST /user/info</c> look-ups one caller may make per minute (a registered user by id; anonymous tokens by
    /// client network, since minting another is free); 0: no limit. Bounds walking the ids for every name.
    /// </summary>
    public int UserLookupsPerMinute { get; set; } = 600;

    /// <summary>
    /// <c>POST /user/password/forgot</c> and <c>/user/email/resend</c> requests one client network may make per minute;
    /// 0: no limit. Each may send a mail.
    /// </summary>
    public int RecoveryRequestsPerMinute { get; set; } = 10;

    /// <summary>
    /// Mails those requests may ask for per address (a username or email as given) per hour; 0: no limit. Keeps the
    /// endpoints from being used to flood someone's mailbox from many networks.
    /// </summary>
    public int RecoveryMailsPerAddressPerHour { get; set; } = 5;

    /// <summary>
    /// Reverse proxies whose <c>X-Forwarded-For</c> is believed, nobody else's: addresses, or CIDR networks for
    /// proxies without a fixed address (a Kubernetes ingress).
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>
    /// How many <c>X-Forwarded-For</c> entries are read from the right, each only while the hop that added it is a
    /// trusted proxy: the number of proxies in front of the service.
    /// </summary>
    public int ForwardLimit { get; set; } = 1;

    /// <summary>Largest request body accepted on the auth endpoints; larger ones are refused before parsing.</summary>
    public int MaxRequestBodyBytes { get; set; } = 16 * 1024;

    /// <summary>
    /// Seconds a login, registration or password change may expect to wait for a password-hashing worker; one
    /// that would wait longer is refused at once with 503 <c>overloaded</c>. 0 refuses whenever every worker is busy.
    /// </summary>
    public double MaxHashWait { get; set; } = 2;

    public TimeSpan Window => TimeSpan.FromSeconds(FailedLoginWindow);

    /// <summary>
    /// A <see cref="TrustedProxies"/> entry as a network: an address is a network of that one address. A network
    /// whose address has bits past its prefix (<c>10.0.0.1/8</c>) is refused: it may mean the one proxy or the
    /// whole range, and trusting the range when the one was meant lets its every host forge client addresses.
    /// </summary>
    public static bool TryParseTrustedProxy(string entry, out IPNetwork network)
    {
        var slash = entry.IndexOf('/');
        if (slash < 0 && IPAddress.TryParse(entry, out var address))
        {
            network = new IPNetwork(address, address.GetAddressBytes().Length * 8);
            return true;
        }
        network = default;
        // IPNetwork clears the bits past the prefix itself: the address as written is what tells the two meanings apart.
        return slash > 0 && IPNetwork.TryParse(entry, out network) && IPAddress.TryParse(entry.AsSpan(0, slash), out var written)
            && written.Equals(NetworkOf(written, network.PrefixLength).BaseAddress);
    }

    /// <summary>The network of <paramref name="prefix"/> bits that holds <paramref name="address"/>.</summary>
    public static IPNetwork NetworkOf(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }
        return new IPNetwork(new IPAddress(bytes), prefix);
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
        var defaults = new SecurityOptions();
        foreach (var (key, limit, byDefault) in new[]
        {
            (nameof(SecurityOptions.TokenRequestsPerMinute), options.TokenRequestsPerMinute, defaults.TokenRequestsPerMinute),
            (nameof(SecurityOptions.RegistrationsPerMinute), options.RegistrationsPerMinute, defaults.RegistrationsPerMinute),
            (nameof(SecurityOptions.UserLookupsPerMinute), options.UserLookupsPerMinute, defaults.UserLookupsPerMinute),
            (nameof(SecurityOptions.RecoveryRequestsPerMinute), options.RecoveryRequestsPerMinute, defaults.RecoveryRequestsPerMinute),
            (nameof(SecurityOptions.RecoveryMailsPerAddressPerHour), options.RecoveryMailsPerAddressPerHour, defaults.RecoveryMailsPerAddressPerHour),
        })
        {
            if (limit < 0)
            {
                var per = key.EndsWith("PerHour", StringComparison.Ordinal) ? "hour" : "minute";
                problems.Add($"Security.{key} is {limit}: use a number of requests per {per}, or 0 for no limit ({byDefault} is the default).");
            }
        }
        if (options.MaxRequestBodyBytes < 1024)
        {
            problems.Add($"Security.MaxRequestBodyBytes is {options.MaxRequestBodyBytes}: use at least 1024 (16384 is the default).");
        }
        if (!(options.MaxHashWait >= 0 && options.MaxHashWait <= 3600))
        {
            problems.Add($"Security.MaxHashWait is {options.MaxHashWait}: use a number of seconds from 0 to 3600 (2 is the default).");
        }
        if (options.ForwardLimit < 1)
        {
            problems.Add($"Security.ForwardLimit is {options.ForwardLimit}: use the number of proxies in front of the service, 1 or more (1 is the default).");
        }
        foreach (var proxy in options.TrustedProxies)
        {
            if (!SecurityOptions.TryParseTrustedProxy(proxy, out _))
            {
                problems.Add(TrustedProxyProblem(proxy));
            }
        }
        return problems.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(problems);
    }

    private static string TrustedProxyProblem(string proxy)
    {
        // 10.0.0.1/8 is most likely 10.0.0.0/8 written from a proxy's own address: name the network it means.
        var slash = proxy.IndexOf('/');
        if (slash > 0 && IPAddress.TryParse(proxy[..slash], out var address) && int.TryParse(proxy[(slash + 1)..], out var prefix)
            && prefix >= 0 && prefix <= address.GetAddressBytes().Length * 8)
        {
            return $"Security.TrustedProxies entry '{proxy}' has address bits set past its /{prefix} prefix: write {SecurityOptions.NetworkOf(address, prefix)}, or the single address {address}.";
        }
        return $"Security.TrustedProxies entry '{proxy}' is neither an IP address nor a CIDR network: write e.g. 10.0.0.5, 10.0.0.0/8 or fd00::/8.";
    }
}
