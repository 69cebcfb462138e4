using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using UserApi.Configuration;
using UserApi.Tests.Support;

namespace UserApi.Tests.Configuration;

/// <summary>A configuration without log levels (the seeds' YAML files) logs as the shipped file does; configured levels win.</summary>
public sealed class LogLevelTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    [Fact]
    public async Task WithoutLogLevelsARequestLogsNoAspNetCoreInformation()
    {
        using var service = new SeedConfiguredService();
        await RequestsOfEveryKindAsync(service.CreateClient());

        Assert.DoesNotContain(service.Logs.Collector.GetSnapshot(),
            record => record.Category?.StartsWith(DefaultLogLevels.AspNetCoreCategory) == true && record.Level < LogLevel.Warning);
        var loggers = service.Services.GetRequiredService<ILoggerFactory>();
        Assert.True(loggers.CreateLogger("UserApi.Accounts.Login").IsEnabled(LogLevel.Information));
        Assert.False(loggers.CreateLogger("UserApi.Accounts.Login").IsEnabled(LogLevel.Debug));
        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Routing.EndpointMiddleware").IsEnabled(LogLevel.Warning));
    }

    [Fact]
    public async Task ConfiguredLogLevelsWin()
    {
        using var service = new SeedConfiguredService(("Logging:LogLevel:Microsoft.AspNetCore", "Information"));
        await RequestsOfEveryKindAsync(service.CreateClient());

        Assert.Contains(service.Logs.Collector.GetSnapshot(),
            record => record.Category?.StartsWith(DefaultLogLevels.AspNetCoreCategory) == true && record.Level == LogLevel.Information);
    }

    [Fact]
    public void AProvidersOwnLogLevelsCountAsConfigured()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("Logging:Console:LogLevel:Default", "Debug")]).Build();
        var options = new LoggerFilterOptions();
        new DefaultLogLevels(configuration).Configure(options);
        Assert.Empty(options.Rules);
    }

    private static async Task RequestsOfEveryKindAsync(HttpClient client)
    {
        var (_, _, tokens) = await client.NewSessionAsync();
        await (await client.UserInfoAsync(tokens.AccessToken)).AssertOkJsonAsync();
        await client.GetAsync("/no/such/route");
        await client.GetAsync("/user/info");
    }

    /// <summary>The embedded backend configured by seed 000's YAML file, which has no <c>Logging</c> section, and nothing else of the test factory's logging.</summary>
    private sealed class SeedConfiguredService(params (string Key, string Value)[] extraSettings) : EmbeddedBackend
    {
        public FakeLoggerProvider Logs { get; } = new();

        protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
            base.Settings().Where(setting => !setting.Key.StartsWith("Logging:", StringComparison.Ordinal))
                .Concat(extraSettings.Select(setting => new KeyValuePair<string, string?>(setting.Key, setting.Value)));

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.ConfigureAppConfiguration(configuration => configuration.AddYamlFile(Fixture("seed-000-jwt-api.yaml")));
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(Logs));
        }
    }
}
