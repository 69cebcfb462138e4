using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using UserApi.Configuration;

namespace UserApi.Tests.Configuration;

/// <summary>The YAML files, the JwtAuth alias, environment overrides and every start-up validation message.</summary>
public sealed class ConfigurationLoadingTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    private static (ServiceOptions Service, AuthOptions Auth) Load(IConfiguration configuration)
    {
        var service = configuration.Get<ServiceOptions>() ?? new ServiceOptions();
        var auth = new AuthOptions();
        AuthOptions.Bind(auth, configuration);
        return (service, auth);
    }

    private static IReadOnlyList<string> AuthProblems(AuthOptions auth) =>
        new AuthOptionsValidator().Validate(null, auth).Failures?.ToList() ?? [];

    private static IReadOnlyList<string> ServiceProblems(ServiceOptions service) =>
        new ServiceOptionsValidator(new TestEnvironment(Environments.Production, "/srv/app")).Validate(null, service).Failures?.ToList() ?? [];

    private static AuthOptions ValidAuth() => new()
    {
        AccessSecret = "a-perfectly-random-access-secret-0123456789",
        RefreshSecret = "a-perfectly-random-refresh-secret-0123456789",
    };

    [Fact]
    public void Seed003YamlLoadsWithItsKeys()
    {
        var (service, auth) = Load(new ConfigurationBuilder().AddYamlFile(Fixture("seed-003-user-api.yaml")).Build());
        Assert.Equal("user-api", service.Name);
        Assert.Equal("0.0.0.0", service.Host);
        Assert.Equal(8888, service.Port);
        Assert.Equal("root:password@tcp(127.0.0.1:3306)/userdb?parseTime=true", service.DataSource);
        var node = Assert.Single(service.CacheRedis);
        Assert.Equal("127.0.0.1:6379", node.Host);
        Assert.Equal("node", node.Type);
        Assert.Equal("change-me-to-a-random-256-bit-value", auth.AccessSecret);
        Assert.Equal(86400, auth.AccessExpire);
        Assert.Equal("another-different-random-secret", auth.RefreshSecret);
        Assert.Equal(604800, auth.RefreshExpire);
        Assert.Empty(ServiceProblems(service));
    }

    [Fact]
    public void Seed000YamlLoadsThroughTheJwtAuthAlias()
    {
        var (service, auth) = Load(new ConfigurationBuilder().AddYamlFile(Fixture("seed-000-jwt-api.yaml")).Build());
        Assert.Equal("jwt-api", service.Name);
        Assert.Equal("xxxxxxxxxxxxxxxxxxxxxxxxxxxxx", auth.AccessSecret);
        Assert.Equal(604800, auth.AccessExpire);
        Assert.Null(service.DataSource);
        Assert.Empty(service.CacheRedis);
    }

    [Fact]
    public void BothSeedsPlaceholderSecretsAreRefusedOutsideDevelopment()
    {
        var (_, seed003) = Load(new ConfigurationBuilder().AddYamlFile(Fixture("seed-003-user-api.yaml")).Build());
        var problems = AuthProblems(seed003);
        Assert.Contains(problems, p => p.StartsWith("Auth.AccessSecret is a known placeholder"));
        Assert.Contains(problems, p => p.StartsWith("Auth.RefreshSecret is a known placeholder"));

        var (_, seed000) = Load(new ConfigurationBuilder().AddYamlFile(Fixture("seed-000-jwt-api.yaml")).Build());
        problems = AuthProblems(seed000);
        Assert.Contains(problems, p => p.StartsWith("Auth.AccessSecret is a known placeholder"));
        Assert.Contains(problems, p => p.StartsWith("Auth.RefreshSecret is missing"));
    }

    [Fact]
    public void DevelopmentReplacesPlaceholderSecretsWithPersistedRandomOnes()
    {
        var root = Path.Combine(Path.GetTempPath(), $"user-api-dev-{Guid.NewGuid():N}");
        try
        {
            var secrets = new DevelopmentSecrets(new TestEnvironment(Environments.Development, root), NullLogger<DevelopmentSecrets>.Instance);
            var (_, first) = Load(new ConfigurationBuilder().AddYamlFile(Fixture("seed-003-user-api.yaml")).Build());
            secrets.PostConfigure(null, first);
            Assert.Empty(AuthProblems(first));
            Assert.True(File.Exists(Path.Combine(root, "data", DevelopmentSecrets.FileName)));

            var (_, second) = Load(new ConfigurationBuilder().AddYamlFile(Fixture("seed-000-jwt-api.yaml")).Build());
            new DevelopmentSecrets(new TestEnvironment(Environments.Development, root), NullLogger<DevelopmentSecrets>.Instance).PostConfigure(null, second);
            Assert.Equal(first.AccessSecret, second.AccessSecret);
            Assert.Equal(first.RefreshSecret, second.RefreshSecret);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData("ES256")]
    [InlineData("RS256")]
    public void DevelopmentGeneratesAMissingSigningKeyAndKeepsIt(string algorithm)
    {
        var root = Path.Combine(Path.GetTempPath(), $"user-api-dev-{Guid.NewGuid():N}");
        try
        {
            var auth = new AuthOptions { Algorithm = algorithm };
            new DevelopmentSecrets(new TestEnvironment(Environments.Development, root), NullLogger<DevelopmentSecrets>.Instance).PostConfigure(null, auth);
            var entry = Assert.Single(auth.SigningKeys);
            var path = Path.Combine(root, entry.Path);
            Assert.StartsWith("data", entry.Path);
            Assert.Empty(new UserApi.Tokens.SigningKeyRingValidator(root).Validate(null, auth).Failures ?? []);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }
            var pem = File.ReadAllText(path);

            var again = new AuthOptions { Algorithm = algorithm };
            new DevelopmentSecrets(new TestEnvironment(Environments.Development, root), NullLogger<DevelopmentSecrets>.Instance).PostConfigure(null, again);
            Assert.Equal(pem, File.ReadAllText(Path.Combine(root, Assert.Single(again.SigningKeys).Path)));

            var production = new AuthOptions { Algorithm = algorithm };
            new DevelopmentSecrets(new TestEnvironment(Environments.Production, root), NullLogger<DevelopmentSecrets>.Instance).PostConfigure(null, production);
            Assert.Empty(production.SigningKeys);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void DevelopmentSecretsAreNotUsedInProduction()
    {
        var auth = new AuthOptions { AccessSecret = "secret" };
        new DevelopmentSecrets(new TestEnvironment(Environments.Production, "/nonexistent"), NullLogger<DevelopmentSecrets>.Instance).PostConfigure(null, auth);
        Assert.Equal("secret", auth.AccessSecret);
    }

    [Fact]
    public void AuthWinsOverTheJwtAuthAlias()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["JwtAuth:AccessExpire"] = "100",
            ["JwtAuth:AccessSecret"] = "from-alias",
            ["Auth:AccessExpire"] = "200",
        }).Build();
        var (_, auth) = Load(configuration);
        Assert.Equal(200, auth.AccessExpire);
        Assert.Equal("from-alias", auth.AccessSecret);
    }

    [Fact]
    public void EnvironmentVariablesWithThePrefixOverrideTheFile()
    {
        Environment.SetEnvironmentVariable("UserApi__Auth__AccessExpire", "123");
        try
        {
            var configuration = new ConfigurationBuilder()
                .AddYamlFile(Fixture("seed-003-user-api.yaml"))
                .AddEnvironmentVariables(UserApiConfiguration.EnvironmentPrefix)
                .Build();
            Assert.Equal(123, Load(configuration).Auth.AccessExpire);
        }
        finally
        {
            Environment.SetEnvironmentVariable("UserApi__Auth__AccessExpire", null);
        }
    }

    [Fact]
    public void ValidSecretsPass()
    {
        Assert.Empty(AuthProblems(ValidAuth()));
    }

    [Theory]
    [InlineData("", "Auth.AccessSecret is missing")]
    [InlineData("too-short-secret", "Auth.AccessSecret is 16 bytes long; HS256 needs at least 32")]
    [InlineData("change-me-to-a-random-256-bit-value", "Auth.AccessSecret is a known placeholder")]
    [InlineData("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "Auth.AccessSecret is a known placeholder")]
    [InlineData("secret", "Auth.AccessSecret is a known placeholder")]
    [InlineData("your-256-bit-secret", "Auth.AccessSecret is a known placeholder")]
    public void AWeakAccessSecretIsRefusedWithItsFix(string secret, string expected)
    {
        var auth = ValidAuth();
        auth.AccessSecret = secret;
        var problem = Assert.Single(AuthProblems(auth));
        Assert.StartsWith(expected, problem);
        Assert.Contains("openssl rand", problem);
    }

    [Fact]
    public void EqualSecretsAreRefused()
    {
        var auth = ValidAuth();
        auth.RefreshSecret = auth.AccessSecret;
        Assert.StartsWith("Auth.AccessSecret and Auth.RefreshSecret are equal", Assert.Single(AuthProblems(auth)));
    }

    [Fact]
    public void APreviousSecretEqualToTheOtherKindsSecretIsRefused()
    {
        var auth = ValidAuth();
        auth.PrevRefreshSecret = auth.AccessSecret;
        Assert.StartsWith("Auth.AccessSecret and Auth.PrevRefreshSecret are equal", Assert.Single(AuthProblems(auth)));
        auth = ValidAuth();
        auth.PrevRefreshSecret = "short";
        Assert.StartsWith("Auth.PrevRefreshSecret is 5 bytes long", Assert.Single(AuthProblems(auth)));
    }

    [Theory]
    [InlineData("https://auth.example.com", true)]
    [InlineData("http://127.0.0.1:8888", true)]
    [InlineData("user-api", true)]
    [InlineData("https://auth.example.com/?tenant=1", false)]
    [InlineData("https://auth.example.com/#x", false)]
    [InlineData("ftp://auth.example.com", false)]
    public void AnIssuerUrlMustBeAnAbsoluteHttpUrlWithoutQueryOrFragment(string issuer, bool accepted)
    {
        var auth = ValidAuth();
        auth.Issuer = issuer;
        Assert.Equal(accepted, AuthProblems(auth).Count == 0);
    }

    [Fact]
    public void AShortPreviousSecretIsRefused()
    {
        var auth = ValidAuth();
        auth.PrevAccessSecret = "short";
        Assert.StartsWith("Auth.PrevAccessSecret is 5 bytes long", Assert.Single(AuthProblems(auth)));
    }

    [Theory]
    [InlineData(nameof(AuthOptions.AccessExpire), -1, "Auth.AccessExpire is -1")]
    [InlineData(nameof(AuthOptions.AccessExpire), 0, "Auth.AccessExpire is 0")]
    [InlineData(nameof(AuthOptions.RefreshExpire), -5, "Auth.RefreshExpire is -5")]
    [InlineData(nameof(AuthOptions.ClockSkew), 61, "Auth.ClockSkew is 61")]
    [InlineData(nameof(AuthOptions.ClockSkew), -1, "Auth.ClockSkew is -1")]
    [InlineData(nameof(AuthOptions.RevocationResyncInterval), 0, "Auth.RevocationResyncInterval is 0")]
    [InlineData(nameof(AuthOptions.RevocationResyncInterval), 301, "Auth.RevocationResyncInterval is 301")]
    public void AnOutOfRangeNumberIsRefused(string key, int value, string expected)
    {
        var auth = ValidAuth();
        typeof(AuthOptions).GetProperty(key)!.SetValue(auth, Convert.ChangeType(value, typeof(AuthOptions).GetProperty(key)!.PropertyType));
        Assert.StartsWith(expected, Assert.Single(AuthProblems(auth)));
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        var problems = AuthProblems(new AuthOptions { AccessExpire = -1, RefreshExpire = -1 });
        Assert.Equal(4, problems.Count);
    }

    [Fact]
    public void ServiceKeysAreValidated()
    {
        var problems = ServiceProblems(new ServiceOptions
        {
            Host = "not a host",
            Port = 70000,
            DataSource = "root:pw@tcp(h:x)/db",
            CacheRedis = [new RedisNodeOptions { Host = "", Type = "sentinel" }],
            Management = new ManagementOptions { Port = 70000, Host = "metrics.local" },
            ShutdownDelay = -1,
            ShutdownTimeout = 3601,
        });
        Assert.Contains("ShutdownDelay is -1: use a number of seconds from 0 to 300 (0 is the default; about two readiness-probe intervals behind a load balancer).", problems);
        Assert.Contains("ShutdownTimeout is 3601: use a number of seconds from 0 to 3600 (20 is the default).", problems);
        Assert.Contains(problems, p => p.StartsWith("Port is 70000"));
        Assert.Contains(problems, p => p.StartsWith("Management.Port is 70000"));
        Assert.Contains(problems, p => p.StartsWith("Management.Host 'metrics.local'"));
        Assert.Contains(problems, p => p.StartsWith("Host 'not a host'"));
        Assert.Contains(problems, p => p.StartsWith("DataSource port"));
        Assert.Contains(problems, p => p.StartsWith("CacheRedis[0].Host is empty"));
        Assert.Contains(problems, p => p.StartsWith("CacheRedis[0].Type is 'sentinel'"));
    }

    [Fact]
    public void TheManagementPortMustDifferFromThePublicOne()
    {
        var problems = ServiceProblems(new ServiceOptions { Port = 8888, Management = new ManagementOptions { Port = 8888 } });
        Assert.Equal("Management.Port is 8888: use a TCP port between 1 and 65535 other than Port (8888), or leave it out to serve everything on Port.", Assert.Single(problems));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("3601")]
    [InlineData("NaN")]
    public void MaxHashWaitIsANumberOfSecondsUpToAnHour(string seconds)
    {
        var security = new SecurityOptions { MaxHashWait = double.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture) };
        var problems = new SecurityOptionsValidator().Validate(null, security).Failures!;
        Assert.Equal($"Security.MaxHashWait is {security.MaxHashWait}: use a number of seconds from 0 to 3600 (2 is the default).", Assert.Single(problems));
    }

    [Fact]
    public void TrustedProxiesTakeAddressesAndNetworks()
    {
        var security = new SecurityOptions { TrustedProxies = ["10.0.0.5", "10.0.0.0/8", "fd00::/8", "2001:db8::1", "192.168.1.0/24"], ForwardLimit = 2 };
        Assert.True(new SecurityOptionsValidator().Validate(null, security).Succeeded);
    }

    [Theory]
    [InlineData("10.0.0.1/8", "Security.TrustedProxies entry '10.0.0.1/8' has address bits set past its /8 prefix: write 10.0.0.0/8, or the single address 10.0.0.1.")]
    [InlineData("fd00::1/8", "Security.TrustedProxies entry 'fd00::1/8' has address bits set past its /8 prefix: write fd00::/8, or the single address fd00::1.")]
    [InlineData("10.0.0.0/33", "Security.TrustedProxies entry '10.0.0.0/33' is neither an IP address nor a CIDR network: write e.g. 10.0.0.5, 10.0.0.0/8 or fd00::/8.")]
    [InlineData("ingress.local", "Security.TrustedProxies entry 'ingress.local' is neither an IP address nor a CIDR network: write e.g. 10.0.0.5, 10.0.0.0/8 or fd00::/8.")]
    [InlineData("10.0.0.0/", "Security.TrustedProxies entry '10.0.0.0/' is neither an IP address nor a CIDR network: write e.g. 10.0.0.5, 10.0.0.0/8 or fd00::/8.")]
    public void ABadTrustedProxyIsRefusedWithItsFix(string entry, string expected)
    {
        var security = new SecurityOptions { TrustedProxies = ["10.0.0.0/8", entry] };
        Assert.Equal(expected, Assert.Single(new SecurityOptionsValidator().Validate(null, security).Failures!));
    }

    [Theory]
    [InlineData(nameof(SecurityOptions.TokenRequestsPerMinute), "Security.TokenRequestsPerMinute is -1: use a number of requests per minute, or 0 for no limit (300 is the default).")]
    [InlineData(nameof(SecurityOptions.RegistrationsPerMinute), "Security.RegistrationsPerMinute is -1: use a number of requests per minute, or 0 for no limit (20 is the default).")]
    [InlineData(nameof(SecurityOptions.UserLookupsPerMinute), "Security.UserLookupsPerMinute is -1: use a number of requests per minute, or 0 for no limit (600 is the default).")]
    [InlineData(nameof(SecurityOptions.RecoveryRequestsPerMinute), "Security.RecoveryRequestsPerMinute is -1: use a number of requests per minute, or 0 for no limit (10 is the default).")]
    [InlineData(nameof(SecurityOptions.RecoveryMailsPerAddressPerHour), "Security.RecoveryMailsPerAddressPerHour is -1: use a number of requests per hour, or 0 for no limit (5 is the default).")]
    public void ANegativeRateLimitIsRefusedAndZeroIsAccepted(string key, string expected)
    {
        var security = new SecurityOptions();
        typeof(SecurityOptions).GetProperty(key)!.SetValue(security, -1);
        Assert.Equal(expected, Assert.Single(new SecurityOptionsValidator().Validate(null, security).Failures!));

        typeof(SecurityOptions).GetProperty(key)!.SetValue(security, 0);
        Assert.True(new SecurityOptionsValidator().Validate(null, security).Succeeded);
    }

    [Fact]
    public void MailSettingsAreValidatedWithTheirFixes()
    {
        Assert.True(new MailOptionsValidator().Validate(null, new MailOptions()).Succeeded);
        var mail = new MailOptions
        {
            From = "not an address",
            LinkBase = "/relative?token=",
            Smtp = new SmtpOptions { Host = "", Port = 0, Username = "user-api" },
        };
        var problems = new MailOptionsValidator().Validate(null, mail).Failures!.ToList();
        Assert.Equal(5, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Mail.From 'not an address' is not an address", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Mail.LinkBase '/relative?token=' is not an absolute http(s) URL", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Mail.Smtp.Host is empty", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Mail.Smtp.Port is 0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Mail.Smtp.Password is empty", StringComparison.Ordinal));
    }

    [Fact]
    public void AForwardLimitUnderOneIsRefused()
    {
        var problem = Assert.Single(new SecurityOptionsValidator().Validate(null, new SecurityOptions { ForwardLimit = 0 }).Failures!);
        Assert.StartsWith("Security.ForwardLimit is 0: use the number of proxies in front of the service", problem);
    }

    [Fact]
    public void InvalidYamlIsReportedWithItsLine()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "Name: user-api\nAuth:\n  AccessSecret: [unclosed\n");
        try
        {
            var error = Assert.ThrowsAny<Exception>(() => new ConfigurationBuilder().AddYamlFile(path).Build());
            Assert.Contains("line", (error.InnerException ?? error).Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(new[] { "-f", "etc/other.yaml" }, "etc/other.yaml", true, null)]
    [InlineData(new[] { "-f=conf.yaml", "--Port=9000" }, "conf.yaml", true, null)]
    [InlineData(new[] { "migrate", "-f", "x.yaml" }, "x.yaml", true, "migrate")]
    [InlineData(new string[0], "etc/user-api.yaml", false, null)]
    // A command after configuration is still the command; the value of a `--Key value` pair never is.
    [InlineData(new[] { "--Port=1", "migrate" }, "etc/user-api.yaml", false, "migrate")]
    [InlineData(new[] { "--Port", "1", "migrate" }, "etc/user-api.yaml", false, "migrate")]
    [InlineData(new[] { "--Name", "migrate" }, "etc/user-api.yaml", false, null)]
    public void TheCommandLineIsParsedAsGoZerosIs(string[] args, string file, bool given, string? command)
    {
        var commandLine = CommandLine.Parse(args);
        Assert.Equal(file, commandLine.ConfigFile);
        Assert.Equal(given, commandLine.ConfigFileGiven);
        Assert.Equal(command, commandLine.Command);
    }

    internal sealed class TestEnvironment(string name, string root) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;
        public string ApplicationName { get; set; } = "user-api";
        public string ContentRootPath { get; set; } = root;
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = null!;
    }
}
