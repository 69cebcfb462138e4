using System.Diagnostics;
using System.Net;
using Microsoft.Data.Sqlite;
using UserApi.Tests.Support;

namespace UserApi.Tests.Startup;

/// <summary>SIGTERM to a serving process: unready at once, the request in flight finished, exit 0 within the timeout.</summary>
public sealed class GracefulShutdownTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("user-api-shutdown-").FullName;

    [Fact]
    public async Task SigtermTurnsTheInstanceUnreadyFinishesTheRequestInFlightAndExitsZero()
    {
        var port = ServiceProcess.FreePort();
        await using var service = ServiceProcess.Start(["--Host=127.0.0.1", $"--Port={port}", "--ShutdownDelay=1", "--ShutdownTimeout=10"],
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Development" }, _directory);
        var readyz = $"http://127.0.0.1:{port}/readyz";
        await service.WaitUntilHealthyAsync(readyz, TimeSpan.FromSeconds(60));

        // A registration held in flight: the test holds SQLite's write lock, so the INSERT waits for it (readers do not).
        await using var database = new SqliteConnection($"Data Source={Path.Combine(_directory, "data", "user-api.db")}");
        await database.OpenAsync();
        using var writeLock = database.BeginTransaction(deferred: false);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        var registration = client.RegisterAsync(ApiClient.NewUsername("leaving"));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(registration.IsCompleted);

        var stopwatch = Stopwatch.StartNew();
        service.Terminate();
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        var unready = await Poll.UntilAsync(async () => (await probe.GetAsync(readyz)).StatusCode, s => s == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unready);

        // Past the delay the listener is closed; the request in flight still completes once the lock is released.
        await Task.Delay(TimeSpan.FromSeconds(2) - stopwatch.Elapsed);
        await Assert.ThrowsAsync<HttpRequestException>(() => probe.GetAsync(readyz));
        writeLock.Rollback();
        await (await registration).AssertOkJsonAsync();

        Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromSeconds(11) - stopwatch.Elapsed));
        Assert.DoesNotContain("Exception", service.Output);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
