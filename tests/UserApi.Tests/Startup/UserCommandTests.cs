using System.Net;
using UserApi.Tests.Support;

namespace UserApi.Tests.Startup;

/// <summary>
/// <c>user-api disable|enable|delete</c> in embedded mode against a running server process, whose sessions live in
/// its own memory: the change reaches it through the <c>user_changes</c> table within about a second.
/// </summary>
public sealed class UserCommandTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    private readonly string _directory = Directory.CreateTempSubdirectory("user-api-cli-").FullName;
    private readonly int _port = ServiceProcess.FreePort();
    private ServiceProcess _server = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = ServiceProcess.Start(["--Host=127.0.0.1", $"--Port={_port}"], Environment(), _directory);
        await _server.WaitUntilHealthyAsync($"http://127.0.0.1:{_port}/readyz", TimeSpan.FromSeconds(60));
        _client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}") };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task DisablingEndsTheRunningServersSessionsAndEnablingLetsTheUserLogInAgain()
    {
        var (_, username, tokens) = await _client.NewSessionAsync("cli-disabled");
        await (await _client.SendWithTokenAsync(HttpMethod.Get, "/user/sessions", tokens.AccessToken)).AssertOkJsonAsync();

        Assert.Contains("disabled; its sessions are ended", await RunAsync("disable", username));

        // /user/sessions reads no user row: only the ended session refuses the token.
        var refused = await Poll.UntilAsync(() => _client.SendWithTokenAsync(HttpMethod.Get, "/user/sessions", tokens.AccessToken),
            r => r.StatusCode == HttpStatusCode.Unauthorized, Bound);
        await refused.AssertInvalidTokenAsync("session_revoked");
        await (await _client.RefreshAsync(tokens.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        await (await _client.LoginAsync(username)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");

        Assert.Contains("enabled", await RunAsync("enable", username));
        await (await _client.LoginAsync(username)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task DeletingEndsTheRunningServersSessions()
    {
        var (_, username, tokens) = await _client.NewSessionAsync("cli-deleted");

        Assert.Contains("deleted; its sessions are ended", await RunAsync("delete", username));

        var refused = await Poll.UntilAsync(() => _client.SendWithTokenAsync(HttpMethod.Get, "/user/sessions", tokens.AccessToken),
            r => r.StatusCode == HttpStatusCode.Unauthorized, Bound);
        await refused.AssertInvalidTokenAsync("session_revoked");
        await (await _client.UserInfoAsync(tokens.AccessToken)).AssertInvalidTokenAsync("session_revoked");
    }

    [Fact]
    public async Task UserAddMakesAnAdminFromAPasswordOnStandardInputAndSetRoleDemotesIt()
    {
        var username = ApiClient.NewUsername("cli-admin");
        var added = await RunAsync(["user", "add", username, "--role", "admin"], ApiClient.Password + "\n");
        Assert.Contains("created with role admin", added);
        Assert.DoesNotContain(ApiClient.Password, added, StringComparison.Ordinal);
        var admin = (await (await _client.LoginAsync(username)).AssertOkJsonAsync()).GetProperty("accessToken").GetString()!;
        await (await _client.SendWithTokenAsync(HttpMethod.Get, "/admin/users", admin)).AssertOkJsonAsync();

        Assert.Contains("role user", await RunAsync(["user", "set-role", username, "user"]));
        // The running server reads the role from the database on each admin request: the same token is now refused.
        await (await _client.SendWithTokenAsync(HttpMethod.Get, "/admin/users", admin)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Theory]
    [InlineData("short", "admin")]
    [InlineData("correct horse battery", "root")]
    public async Task UserAddRefusesAWeakPasswordOrAnUnknownRoleAndCreatesNothing(string password, string role)
    {
        var username = ApiClient.NewUsername("cli-refused");
        await using var cli = ServiceProcess.StartWithInput(["user", "add", username, "--role", role], Environment(), _directory, password + "\n");
        Assert.Equal(1, await cli.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(role == "admin" ? "password" : "role", cli.Output, StringComparison.Ordinal);
        await (await _client.LoginAsync(username, password)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
    }

    private async Task<string> RunAsync(string[] args, string? input = null)
    {
        await using var cli = input is null ? ServiceProcess.Start(args, Environment(), _directory) : ServiceProcess.StartWithInput(args, Environment(), _directory, input);
        var exitCode = await cli.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{cli.Output}");
        return cli.Output;
    }

    private Task<string> RunAsync(string command, string username) => RunAsync([command, username]);

    private static Dictionary<string, string> Environment() => new() { ["ASPNETCORE_ENVIRONMENT"] = "Development" };
}
