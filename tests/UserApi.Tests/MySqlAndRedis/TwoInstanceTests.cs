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

    [Fact]
    public async Task ARevocationOnOneInstanceRejectsTheTokenOnTheOtherAtOnce()
    {
        var (portA, portB) = (ServiceProcess.FreePort(), ServiceProcess.FreePort());
        await using var a = ServiceProcess.Start([], Environment(portA), _directory);
        await using var b = ServiceProcess.Start([], Environment(portB), _directory);
        await a.WaitUntilHealthyAsync($"http://127.0.0.1:{portA}/readyz", TimeSpan.FromSeconds(60));
        await b.WaitUntilHealthyAsync($"http://127.0.0.1:{portB}/readyz", TimeSpan.FromSeconds(60));
        using var clientA = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{portA}") };
        using var clientB = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{portB}") };

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
        await (await clientB.UserInfoAsync(other.AccessToken)).AssertOkJsonAsync();
    }

    /// <summary>Polls until the token is refused; the bound is generous because this checks that it happens, not how fast.</summary>
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
