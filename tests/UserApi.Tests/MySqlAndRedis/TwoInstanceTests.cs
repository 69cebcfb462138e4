using System.Diagnostics;
using System.Net;
using UserApi.Tests.Support;
using Xunit.Abstractions;

namespace UserApi.Tests.MySqlAndRedis;

/// <summary>Two UserApi processes behind an imaginary load balancer, sharing MariaDB and Redis.</summary>
public sealed class TwoInstanceTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("user-api-two-").FullName;

    private Dictionary<string, string> Environment(int port) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["UserApi__Host"] = "127.0.0.1",
        ["UserApi__Port"] = port.ToString(),
        ["UserApi__DataSource"] = TestServers.MySqlDataSource,
        ["UserApi__CacheRedis__0__Host"] = TestServers.Redis,
        ["UserApi__Auth__AccessSecret"] = "two-instance-access-secret-0123456789abcdef",
        ["UserApi__Auth__RefreshSecret"] = "two-instance-refresh-secret-0123456789abcdef",
        ["UserApi__Logging__LogLevel__Default"] = "Warning",
    };

    /// <summary>Two instances, each ready, with <paramref name="settings"/> (<c>UserApi__…</c> variables) on top of the common ones.</summary>
    private async Task<Instances> StartTwoAsync(params (string Name, string Value)[] settings)
    {
        var (portA, portB) = (ServiceProcess.FreePort(), ServiceProcess.FreePort());
        Dictionary<string, string> EnvironmentOf(int port)
        {
            var environment = Environment(port);
            foreach (var (name, value) in settings)
            {
                environment[name] = value;
            }
            return environment;
        }
        var a = ServiceProcess.Start([], EnvironmentOf(portA), _directory);
        var b = ServiceProcess.Start([], EnvironmentOf(portB), _directory);
        var instances = new Instances(a, b, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{portA}") },
            new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{portB}") });
        try
        {
            await a.WaitUntilHealthyAsync($"http://127.0.0.1:{portA}/readyz", TimeSpan.FromSeconds(60));
            await b.WaitUntilHealthyAsync($"http://127.0.0.1:{portB}/readyz", TimeSpan.FromSeconds(60));
            return instances;
        }
        catch
        {
            await instances.DisposeAsync();
            throw;
        }
    }

    private sealed record Instances(ServiceProcess A, ServiceProcess B, HttpClient ClientA, HttpClient ClientB) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            ClientA.Dispose();
            ClientB.Dispose();
            await A.DisposeAsync();
            await B.DisposeAsync();
        }
    }

    [Fact]
    public async Task ARevocationOnOneInstanceRejectsTheTokenOnTheOtherAtOnce()
    {
        await using var instances = await StartTwoAsync();
        var (clientA, clientB) = (instances.ClientA, instances.ClientB);

        // A session started on A is usable on B, and a refresh issued by A works on B.
        var (_, username, first) = await clientA.NewSessionAsync();
        await (await clientB.UserInfoAsync(first.AccessToken)).AssertOkJsonAsync();
        var second = await (await clientA.RefreshAsync(first.RefreshToken)).AssertOkJsonAsync();
        var third = await (await clientB.RefreshAsync(second.GetProperty("refreshToken").GetString()!)).AssertOkJsonAsync();
        var access = third.GetProperty("accessToken").GetString()!;
        await (await clientA.UserInfoAsync(access)).AssertOkJsonAsync();
        await (await clientB.UserInfoAsync(access)).AssertOkJsonAsync();

        // Logout on A: B rejects the access token as soon as the revocation arrives. (B's 401 path is
        // warmed first, so that the measured delay is not B's first-request JIT time.)
        for (var i = 0; i < 20; i++)
        {
            await clientA.UserInfoAsync("not-a-token");
            await clientB.UserInfoAsync("not-a-token");
        }
        var logout = new HttpRequestMessage(HttpMethod.Post, "/user/logout");
        logout.Headers.Authorization = ApiClient.Bearer(access);
        Assert.Equal(HttpStatusCode.NoContent, (await clientA.SendAsync(logout)).StatusCode);
        var delay = await TimeUntilRejectedAsync(clientB, access);
        output.WriteLine($"cross-instance revocation delay (logout on A answered -> first 401 on B): {delay.TotalMilliseconds:F1} ms");
        await (await clientB.UserInfoAsync(access)).AssertInvalidTokenAsync("session_revoked");

        // Disabling the account from the command line ends its sessions on both instances.
        var (_, _, other) = await clientB.NewSessionAsync();
        var victim = await (await clientA.LoginAsync(username)).AssertOkJsonAsync();
        var victimAccess = victim.GetProperty("accessToken").GetString()!;
        await using (var disable = ServiceProcess.Start(["disable", username], Environment(ServiceProcess.FreePort()), _directory))
        {
            Assert.Equal(0, await disable.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
        output.WriteLine($"disable -> first 401 on A: {(await TimeUntilRejectedAsync(clientA, victimAccess)).TotalMilliseconds:F1} ms");
        output.WriteLine($"disable -> first 401 on B: {(await TimeUntilRejectedAsync(clientB, victimAccess)).TotalMilliseconds:F1} ms");
        // /user/sessions reads no user row: the access-token check itself refuses the ended session, on both instances.
        await (await clientA.SendWithTokenAsync(HttpMethod.Get, "/user/sessions", victimAccess)).AssertInvalidTokenAsync("session_revoked");
        await (await clientB.SendWithTokenAsync(HttpMethod.Get, "/user/sessions", victimAccess)).AssertInvalidTokenAsync("session_revoked");
        await (await clientB.UserInfoAsync(other.AccessToken)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task RateLimitsAreSharedByTwoInstancesOverOneRedis()
    {
        await using var instances = await StartTwoAsync(
            ("UserApi__Security__TrustedProxies__0", "127.0.0.1"),
            ("UserApi__Security__TokenRequestsPerMinute", "4"),
            ("UserApi__Security__RegistrationsPerMinute", "2"),
            ("UserApi__Security__UserLookupsPerMinute", "2"));
        var (clientA, clientB) = (instances.ClientA, instances.ClientB);
        // A client address of this test's own, forwarded by a trusted proxy (the test): no other test's requests share its counts.
        var address = $"198.18.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}";
        Task<HttpResponseMessage> Post(HttpClient client, string path, string json, string? accessToken = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Forwarded-For", address);
            if (accessToken is not null)
            {
                request.Headers.Authorization = ApiClient.Bearer(accessToken);
            }
            return client.SendAsync(request);
        }

        foreach (var client in new[] { clientA, clientB, clientA, clientB })
        {
            await (await Post(client, "/user/token", "{}")).AssertOkJsonAsync();
        }
        await (await Post(clientA, "/user/token", "{}")).AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        await (await Post(clientB, "/user/token", "{}")).AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");

        var username = ApiClient.NewUsername();
        var id = (await (await Post(clientA, "/user/register", $$"""{"username":"{{username}}","password":"{{ApiClient.Password}}"}""")).AssertOkJsonAsync())
            .GetProperty("id").GetInt64();
        await (await Post(clientB, "/user/register", $$"""{"username":"{{ApiClient.NewUsername()}}","password":"{{ApiClient.Password}}"}""")).AssertOkJsonAsync();
        var refused = await Post(clientA, "/user/register", $$"""{"username":"{{ApiClient.NewUsername()}}","password":"{{ApiClient.Password}}"}""");
        await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.InRange(long.Parse(refused.Headers.GetValues("Retry-After").Single()), 1, 60);

        var access = (await (await clientA.LoginAsync(username)).AssertOkJsonAsync()).GetProperty("accessToken").GetString()!;
        await (await Post(clientA, "/user/info", $$"""{"userId":{{id}}}""", access)).AssertOkJsonAsync();
        await (await Post(clientB, "/user/info", $$"""{"userId":{{id}}}""", access)).AssertOkJsonAsync();
        await (await Post(clientA, "/user/info", $$"""{"userId":{{id}}}""", access)).AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    /// <summary>Polls until the token is refused; the bound is generous because this checks that it happens, not how fast.</summary>
    /// <summary>An admin made with <c>user-api user add NAME --role admin</c> (the password on standard input), logged in on A.</summary>
    private async Task<string> NewAdminAsync(HttpClient client, params (string Name, string Value)[] settings)
    {
        var username = ApiClient.NewUsername("admin");
        var environment = Environment(ServiceProcess.FreePort());
        foreach (var (name, value) in settings)
        {
            environment[name] = value;
        }
        await using (var add = ServiceProcess.StartWithInput(["user", "add", username, "--role", "admin"], environment, _directory, ApiClient.Password + "\n"))
        {
            Assert.True(await add.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, add.Output);
            Assert.DoesNotContain(ApiClient.Password, add.Output, StringComparison.Ordinal);
        }
        return (await (await client.LoginAsync(username)).AssertOkJsonAsync()).GetProperty("accessToken").GetString()!;
    }

    [Fact]
    public async Task AnAdminsDisableOnOneInstanceRefusesTheUsersTokensOnBoth()
    {
        await using var instances = await StartTwoAsync();
        var (clientA, clientB) = (instances.ClientA, instances.ClientB);
        var admin = await NewAdminAsync(clientA);
        var (id, _, tokens) = await clientB.NewSessionAsync("disabled");
        await (await clientA.UserInfoAsync(tokens.AccessToken)).AssertOkJsonAsync();
        for (var i = 0; i < 20; i++)
        {
            await clientB.UserInfoAsync("not-a-token");
        }

        var disable = new HttpRequestMessage(HttpMethod.Patch, $"/admin/users/{id}")
        {
            Headers = { Authorization = ApiClient.Bearer(admin) },
            Content = new StringContent("""{"disabled":true}""", System.Text.Encoding.UTF8, "application/json"),
        };
        await (await clientA.SendAsync(disable)).AssertOkJsonAsync();

        // A, which disabled, refuses at once; B as soon as the revocation arrives.
        await (await clientA.SendWithTokenAsync(HttpMethod.Get, "/user/sessions", tokens.AccessToken)).AssertInvalidTokenAsync("session_revoked");
        output.WriteLine($"admin disable on A -> first 401 on B: {(await TimeUntilRejectedAsync(clientB, tokens.AccessToken)).TotalMilliseconds:F1} ms");
        await (await clientB.SendWithTokenAsync(HttpMethod.Get, "/user/sessions", tokens.AccessToken)).AssertInvalidTokenAsync("session_revoked");
        await (await clientB.RefreshAsync(tokens.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        await (await clientA.RefreshAsync(tokens.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
    }

    [Fact]
    public async Task RevokeAllOnOneInstanceRefusesEveryTokenOnBoth()
    {
        // Stores of this test's own: the switch ends every session there is.
        await using var redis = await RedisServerProcess.StartAsync();
        (string, string)[] own = [("UserApi__DataSource", PrivateRedisBackend.NewDatabase()), ("UserApi__CacheRedis__0__Host", redis.Host)];
        await using var instances = await StartTwoAsync(own);
        var (clientA, clientB) = (instances.ClientA, instances.ClientB);
        var admin = await NewAdminAsync(clientA, own);
        var (_, _, onA) = await clientA.NewSessionAsync("on-a");
        var (_, _, onB) = await clientB.NewSessionAsync("on-b");
        for (var i = 0; i < 20; i++)
        {
            await clientB.UserInfoAsync("not-a-token");
        }

        await (await clientA.SendWithTokenAsync(HttpMethod.Post, "/admin/sessions/revoke-all", admin)).AssertOkJsonAsync();

        await (await clientA.UserInfoAsync(onA.AccessToken)).AssertInvalidTokenAsync("session_revoked");
        await (await clientA.UserInfoAsync(onB.AccessToken)).AssertInvalidTokenAsync("session_revoked");
        output.WriteLine($"revoke-all on A -> first 401 on B: {(await TimeUntilRejectedAsync(clientB, onB.AccessToken)).TotalMilliseconds:F1} ms");
        await (await clientB.UserInfoAsync(onA.AccessToken)).AssertInvalidTokenAsync("session_revoked");
        await (await clientB.SendWithTokenAsync(HttpMethod.Get, "/admin/users", admin)).AssertInvalidTokenAsync("session_revoked");
        foreach (var tokens in new[] { onA, onB })
        {
            await (await clientA.RefreshAsync(tokens.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
            await (await clientB.RefreshAsync(tokens.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        }
    }

    private async Task<TimeSpan> TimeUntilRejectedAsync(HttpClient client, string accessToken)
    {
        var stopwatch = Stopwatch.StartNew();
        for (var attempt = 1; stopwatch.Elapsed < TimeSpan.FromSeconds(10); attempt++)
        {
            if ((await client.UserInfoAsync(accessToken)).StatusCode == HttpStatusCode.Unauthorized)
            {
                output.WriteLine($"  refused on request {attempt}");
                return stopwatch.Elapsed;
            }
        }
        throw new TimeoutException("The other instance still accepted the token after 10 seconds.");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
