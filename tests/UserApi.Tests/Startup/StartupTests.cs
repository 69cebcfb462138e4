using System.Net;
using UserApi.Tests.Support;
using Xunit.Abstractions;

namespace UserApi.Tests.Startup;

/// <summary>The service as its users start it: <c>user-api -f FILE</c>, exit codes and messages included.</summary>
public sealed class StartupTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("user-api-startup-").FullName;

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    [Fact]
    public async Task Seed003YamlIsRefusedOutsideDevelopmentWithOneMessagePerProblem()
    {
        await using var service = ServiceProcess.Start(["-f", Fixture("seed-003-user-api.yaml")],
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" }, _directory);
        Assert.Equal(2, await service.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("- Auth.AccessSecret is a known placeholder", service.Output);
        Assert.Contains("- Auth.RefreshSecret is a known placeholder", service.Output);
        Assert.DoesNotContain("Exception", service.Output);
    }

    [Fact]
    public async Task AMissingMfaKeyIsRefusedInProductionWithOneLine()
    {
        await using var service = ServiceProcess.Start(["-f", Fixture("seed-000-jwt-api.yaml")],
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production", [ServiceProcess.MfaKeyVariable] = "" }, _directory);
        Assert.Equal(2, await service.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("- Mfa.EncryptionKey is missing: set it to 32 random bytes in base64 (openssl rand -base64 32); it encrypts the TOTP secrets at rest.", service.Output);
        Assert.DoesNotContain("Exception", service.Output);
    }

    [Fact]
    public async Task AMissingConfigFileIsReported()
    {
        await using var service = ServiceProcess.Start(["-f", "etc/nowhere.yaml"], new Dictionary<string, string>(), _directory);
        Assert.Equal(2, await service.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Config file etc/nowhere.yaml does not exist", service.Output);
    }

    [Fact]
    public async Task AStoreOutOfReachAtStartUpEndsTheProcessWithExitCode1()
    {
        var closedPort = ServiceProcess.FreePort();
        await using var service = ServiceProcess.Start(
            [$"--Port={ServiceProcess.FreePort()}", $"--DataSource=Server=127.0.0.1;Port={closedPort};User ID=u;Password=p;Database=d;Connection Timeout=2"],
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Development" }, _directory);
        Assert.Equal(1, await service.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("user-api did not start: Unable to connect to any of the specified MySQL hosts.", service.Output);
        Assert.DoesNotContain("Unhandled exception", service.Output);
    }

    [Fact]
    public async Task RedisOutOfReachAtStartUpEndsTheProcessWithExitCode1()
    {
        // An instance that cannot load the revoked sessions must not start accepting access tokens.
        var closedPort = ServiceProcess.FreePort();
        await using var service = ServiceProcess.Start(
            [$"--Port={ServiceProcess.FreePort()}", $"--DataSource={TestServers.MySqlDataSource}", $"--CacheRedis:0:Host=127.0.0.1:{closedPort}"],
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Development" }, _directory);
        Assert.Equal(1, await service.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("user-api did not start: No connection is active/available to service this operation: SUBSCRIBE", service.Output);
        Assert.DoesNotContain("Unhandled exception", service.Output);
    }

    [Fact]
    public async Task Seed000YamlServesInDevelopment()
    {
        var port = ServiceProcess.FreePort();
        await using var service = ServiceProcess.Start(["-f", Fixture("seed-000-jwt-api.yaml"), "--Host=127.0.0.1", $"--Port={port}"],
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Development", [ServiceProcess.MfaKeyVariable] = "" }, _directory);
        var startup = await service.WaitUntilHealthyAsync($"http://127.0.0.1:{port}/healthz", TimeSpan.FromSeconds(60));
        output.WriteLine($"start-up to first 200: {startup.TotalMilliseconds:F0} ms (process start included)");

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var token = await (await client.PostAsync("/user/token", null)).AssertOkJsonAsync();
        Assert.False(string.IsNullOrEmpty(token.GetProperty("access_token").GetString()));
        Assert.Contains("using a random development secret", service.Output);
        Assert.Contains("Mfa.EncryptionKey is missing: using a random development key", service.Output);
        Assert.True(File.Exists(Path.Combine(_directory, "data", "dev-mfa-key")));
        Assert.True(File.Exists(Path.Combine(_directory, "data", "user-api.db")));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/user/info", null)).StatusCode);
    }

    [Fact]
    public async Task ServingWritesNothingToTheHomeDirectory()
    {
        // ASP.NET Core's DataProtection would write a key ring to ~/.aspnet at every start; a bearer-token
        // service has nothing to protect with it, and a read-only home must not matter.
        var home = Directory.CreateDirectory(Path.Combine(_directory, "home")).FullName;
        var port = ServiceProcess.FreePort();
        await using var service = ServiceProcess.Start(["-f", Fixture("seed-000-jwt-api.yaml"), "--Host=127.0.0.1", $"--Port={port}"],
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Development", ["HOME"] = home }, _directory);
        await service.WaitUntilHealthyAsync($"http://127.0.0.1:{port}/healthz", TimeSpan.FromSeconds(60));

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var token = (await (await client.PostAsync("/user/token", null)).AssertOkJsonAsync()).GetProperty("access_token").GetString();
        using var info = new HttpRequestMessage(HttpMethod.Post, "/user/info") { Headers = { { "Authorization", $"Bearer {token}" } } };
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await client.SendAsync(info)).StatusCode);
        Assert.Empty(Directory.EnumerateFileSystemEntries(home, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task EnvironmentVariablesOverrideTheFile()
    {
        var port = ServiceProcess.FreePort();
        await using var service = ServiceProcess.Start(["-f", Fixture("seed-000-jwt-api.yaml")],
            new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["UserApi__Host"] = "127.0.0.1",
                ["UserApi__Port"] = port.ToString(),
                ["UserApi__Auth__AccessSecret"] = "an-environment-access-secret-0123456789abcdef",
                ["UserApi__Auth__RefreshSecret"] = "an-environment-refresh-secret-0123456789abcdef",
                ["UserApi__DataSource"] = "sqlite:data/env.db",
            }, _directory);
        await service.WaitUntilHealthyAsync($"http://127.0.0.1:{port}/healthz", TimeSpan.FromSeconds(60));
        Assert.True(File.Exists(Path.Combine(_directory, "data", "env.db")));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
