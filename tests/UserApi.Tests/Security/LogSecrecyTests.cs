using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using UserApi.Tests.Support;

namespace UserApi.Tests.Security;

/// <summary>Every log line of a full flow, at Trace level, is free of passwords, tokens and secrets.</summary>
public sealed class LogSecrecyTests(EmbeddedBackend app) : IClassFixture<EmbeddedBackend>
{
    [Fact]
    public Task AFullFlowLogsNoPasswordTokenOrSecret() => LogSecrecy.AssertAFullFlowLogsNoSecretAsync(app);
}

/// <summary>The flow and the check, for every backend that logs of its own (MySqlAndRedis.ProductionSmokeTests).</summary>
public static class LogSecrecy
{
    public static async Task AssertAFullFlowLogsNoSecretAsync(UserApiFactory app)
    {
        var capture = new CapturingLoggerProvider();
        using var logged = app.WithWebHostBuilder(builder =>
        {
            builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection([new("Logging:LogLevel:Default", "Trace")]));
            builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(capture));
        });
        var client = logged.CreateClient();
        var username = ApiClient.NewUsername();
        const string password = "very-secret-password-1";
        const string newPassword = "another-secret-password-2";

        await (await client.RegisterAsync(username, password)).AssertOkJsonAsync();
        await client.LoginAsync(username, "wrong-secret-password-3");
        var first = (await (await client.LoginAsync(username, password)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        await (await client.UserInfoAsync(first.AccessToken)).AssertOkJsonAsync();
        var second = (await (await client.RefreshAsync(first.RefreshToken)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        app.Time.Advance(TimeSpan.FromSeconds(30));
        await client.RefreshAsync(first.RefreshToken);
        await client.UserInfoAsync(second.AccessToken);
        var third = (await (await client.LoginAsync(username, password)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        var change = await client.PostJsonAsync("/user/password", $$"""{"oldPassword":"{{password}}","newPassword":"{{newPassword}}"}""", $"Bearer {third.AccessToken}");
        Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        await client.UserInfoAsync(Jwt.Edit(third.AccessToken, payload: p => p["role"] = "admin"));
        var logout = new HttpRequestMessage(HttpMethod.Post, "/user/logout");
        logout.Headers.Authorization = ApiClient.Bearer(third.AccessToken);
        await client.SendAsync(logout);

        var lines = capture.Lines.ToList();
        Assert.NotEmpty(lines);
        var secrets = new List<string> { password, newPassword, "wrong-secret-password-3", UserApiFactory.AccessSecret, UserApiFactory.RefreshSecret };
        foreach (var token in new[] { first, second, third }.SelectMany(t => new[] { t.AccessToken, t.RefreshToken }))
        {
            secrets.Add(token);
            secrets.Add(token.Split('.')[2]);
        }
        foreach (var line in lines)
        {
            foreach (var secret in secrets)
            {
                Assert.False(line.Contains(secret, StringComparison.Ordinal), $"A log line holds a secret: {line}");
            }
        }
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
        }
    }
}
