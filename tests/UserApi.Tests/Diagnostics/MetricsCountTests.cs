using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using UserApi.Tests.Support;

namespace UserApi.Tests.Diagnostics;

/// <summary>
/// The service's outcome counters on <c>GET /metrics</c>, counted exactly: each case runs the service as a
/// process of its own (in this test process, every app's listener also hears the other apps' meters).
/// </summary>
public sealed partial class MetricsCountTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("user-api-metrics-").FullName;

    [Theory]
    [InlineData("embedded")]
    [InlineData("mysql+redis")]
    public async Task EachOutcomeIsCountedUnderItsCode(string backend)
    {
        await using var service = await StartAsync(backend);
        var client = service.Client;
        var before = await client.GetStringAsync("/metrics");

        var username = ApiClient.NewUsername();
        var id = (await (await client.RegisterAsync(username)).AssertOkJsonAsync()).GetProperty("id").GetInt64();
        await (await client.RegisterAsync(username)).AssertProblemAsync(HttpStatusCode.Conflict, "username_taken");
        await (await client.LoginAsync(username, "wrong password")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        var first = (await (await client.LoginAsync(username)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        // The service allows one look-up a minute (below): the second is refused by the rate limit.
        await (await client.PostJsonAsync("/user/info", $$"""{"userId":{{id}}}""", first.AccessToken)).AssertOkJsonAsync();
        await (await client.PostJsonAsync("/user/info", $$"""{"userId":{{id}}}""", first.AccessToken)).AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        var second = (await (await client.RefreshAsync(first.RefreshToken)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        await (await client.RefreshAsync(second.RefreshToken)).AssertOkJsonAsync();
        // Two rotations old: neither the current token nor the one just replaced.
        await (await client.RefreshAsync(first.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "refresh_token_reused");
        await (await client.GetWithAuthorizationAsync("/user/info", "Bearer not-a-token")).AssertInvalidTokenAsync();
        await (await client.UserInfoAsync(second.AccessToken)).AssertInvalidTokenAsync("session_revoked");

        var after = await client.GetStringAsync("/metrics");

        Assert.Equal(1, Delta(before, after, "userapi_registrations_total", "outcome", "succeeded"));
        Assert.Equal(1, Delta(before, after, "userapi_registrations_total", "outcome", "username_taken"));
        Assert.Equal(1, Delta(before, after, "userapi_logins_total", "outcome", "invalid_credentials"));
        Assert.Equal(1, Delta(before, after, "userapi_logins_total", "outcome", "succeeded"));
        Assert.Equal(2, Delta(before, after, "userapi_refreshes_total", "outcome", "succeeded"));
        Assert.Equal(1, Delta(before, after, "userapi_refreshes_total", "outcome", "refresh_token_reused"));
        Assert.Equal(1, Delta(before, after, "userapi_sessions_revoked_total", null, null));
        Assert.Equal(1, Delta(before, after, "userapi_access_token_rejections_total", "code", "token_invalid"));
        Assert.Equal(1, Delta(before, after, "userapi_access_token_rejections_total", "code", "session_revoked"));
        Assert.Equal(1, Delta(before, after, "userapi_rate_limit_rejections_total", "limit", "user_lookups"));
        Assert.Equal(0, Delta(before, after, "userapi_rate_limit_rejections_total", "limit", "registrations"));
        Assert.Equal(2, Delta(before, after, "http_server_request_duration_seconds_count", "http_route", "/user/login"));
        Assert.DoesNotContain("http_server_active_requests", after);
        // The audit queue's depth is read at each scrape (its dropped-event count is QueuedAuditLogTests').
        Assert.Matches(@"(?m)^userapi_audit_queue(\{[^}]*\})? \d", after);
    }

    private async Task<RunningService> StartAsync(string backend)
    {
        var port = ServiceProcess.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["UserApi__Auth__AccessSecret"] = UserApiFactory.AccessSecret,
            ["UserApi__Auth__RefreshSecret"] = UserApiFactory.RefreshSecret,
            ["UserApi__DataSource"] = backend == "embedded" ? $"sqlite:{Path.Combine(_directory, "users.db")}" : TestServers.MySqlDataSource,
            ["UserApi__Security__UserLookupsPerMinute"] = "1",
        };
        if (backend != "embedded")
        {
            environment["UserApi__CacheRedis__0__Host"] = TestServers.Redis;
        }
        var process = ServiceProcess.Start(["--Host=127.0.0.1", $"--Port={port}"], environment, _directory);
        await process.WaitUntilHealthyAsync($"http://127.0.0.1:{port}/healthz", TimeSpan.FromSeconds(60));
        return new RunningService(process, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
    }

    private sealed record RunningService(ServiceProcess Process, HttpClient Client) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Process.DisposeAsync();
        }
    }

    /// <summary>How much a sample grew between two scrapes (a sample absent from the first counts from 0), summed over its other labels.</summary>
    private static double Delta(string before, string after, string name, string? label, string? value) =>
        Sample(after, name, label, value) - Sample(before, name, label, value);

    private static double Sample(string text, string name, string? label, string? value)
    {
        var total = 0.0;
        foreach (Match line in SampleLine().Matches(text))
        {
            if (line.Groups["name"].Value == name && (label is null || line.Groups["labels"].Value.Contains($"{label}=\"{value}\"")))
            {
                total += double.Parse(line.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }
        return total;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex SampleLine();

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
