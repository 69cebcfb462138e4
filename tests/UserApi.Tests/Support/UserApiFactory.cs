using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace UserApi.Tests.Support;

/// <summary>
/// The real application over HTTP (TestServer) with a real store. Each backend subclass supplies the
/// configuration that selects its stores; the functional suite runs unchanged against every one.
/// </summary>
public abstract class UserApiFactory : WebApplicationFactory<Program>
{
    public const string AccessSecret = "functional-tests-access-secret-long-enough-for-hs512-0123456789abcdefghij";
    public const string RefreshSecret = "functional-tests-refresh-secret-0123456789abcdef";

    /// <summary>The tests' <c>Mfa.EncryptionKey</c>: 32 bytes, base64, like the secrets above made up for the tests only.</summary>
    public const string MfaEncryptionKey = "ZnVuY3Rpb25hbC10ZXN0cy1tZmEta2V5LTMyLWJ5dGU=";
    public const int AccessExpireSeconds = 900;
    public const int ClockSkewSeconds = 30;

    /// <summary>The clock the service sees; tests move it instead of sleeping.</summary>
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public abstract string BackendName { get; }

    protected abstract IEnumerable<KeyValuePair<string, string?>> BackendSettings();

    /// <summary>The backend's settings as a process of the service reads them (<c>UserApi__Section__Key</c>), for the CLI commands.</summary>
    public Dictionary<string, string> BackendEnvironment() =>
        BackendSettings().ToDictionary(s => "UserApi__" + s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value ?? "");

    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        new("Auth:AccessSecret", AccessSecret),
        new("Auth:RefreshSecret", RefreshSecret),
        new("Auth:AccessExpire", AccessExpireSeconds.ToString()),
        new("Auth:RefreshExpire", "86400"),
        new("Auth:ClockSkew", ClockSkewSeconds.ToString()),
        new("Mfa:EncryptionKey", MfaEncryptionKey),
        new("Logging:LogLevel:Default", "Warning"),
        // The suites register users and mint tokens by the hundred from one address (or none); the rate limits'
        // own tests set low ones. High rather than 0 (off), so that every request still passes through the limiter.
        new("Security:TokenRequestsPerMinute", "1000000"),
        new("Security:RegistrationsPerMinute", "1000000"),
        new("Security:UserLookupsPerMinute", "1000000"),
        // Mails of suites without an SMTP server of their own: out of the source tree (the content root).
        new("Mail:Directory", Path.Combine(Path.GetTempPath(), "user-api-tests-outbox")),
        .. BackendSettings(),
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Not Development: the placeholder-secret substitution must not hide configuration mistakes here.
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(Settings()));
        builder.ConfigureServices(services =>
        {
            services.AddSingleton<TimeProvider>(Time);
            services.AddSingleton<IStartupFilter, RemoteIpFromTestHeader>();
        });
    }

    public const string RemoteIpHeader = "X-Test-Remote-Ip";

    /// <summary>TestServer has no socket: this gives a request the client address a real connection would have.</summary>
    private sealed class RemoteIpFromTestHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (System.Net.IPAddress.TryParse(context.Request.Headers[RemoteIpHeader], out var address))
                {
                    context.Connection.RemoteIpAddress = address;
                }
                return nextMiddleware(context);
            });
            next(app);
        };
    }

    /// <summary>The same backend with other settings: a second server over the same stores and clock.</summary>
    public WebApplicationFactory<Program> WithSettings(params (string Key, string Value)[] settings) =>
        WithWebHostBuilder(builder => builder.ConfigureAppConfiguration(configuration =>
            configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))));

    public static string NewTemporaryPath(string extension) =>
        Path.Combine(Path.GetTempPath(), $"user-api-tests-{Convert.ToHexString(RandomNumberGenerator.GetBytes(6))}{extension}");
}

/// <summary>Embedded mode: a SQLite file and in-process sessions.</summary>
public class EmbeddedBackend : UserApiFactory
{
    private readonly string _databasePath = NewTemporaryPath(".db");

    public override string BackendName => "embedded";

    protected override IEnumerable<KeyValuePair<string, string?>> BackendSettings() =>
        [new("DataSource", $"sqlite:{_databasePath}")];

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_databasePath + suffix);
        }
    }
}
