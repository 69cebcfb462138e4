using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using UserApi.Tests.Support;
using Xunit.Abstractions;

namespace UserApi.Tests.Security;

/// <summary>
/// An unknown username and a wrong password must be indistinguishable: same status, body and headers, and
/// the same time within noise (the unknown-user path verifies against a dummy Argon2id hash). Medians of
/// interleaved attempts are compared with each other, in the same run, never with a fixed duration.
/// </summary>
public abstract class EnumerationTimingTests(UserApiFactory app, ITestOutputHelper output)
{
    private const int Attempts = 120;

    [Fact]
    public async Task UnknownUserAndWrongPasswordLookAndTakeTheSame()
    {
        // Brute-force locks would answer 429 early and fast: lift them for this measurement.
        using var unlimited = app.WithSettings(("Security:MaxFailedLoginsPerAccount", "100000"), ("Security:MaxFailedLoginsPerIp", "100000"));
        var client = unlimited.CreateClient();
        var username = ApiClient.NewUsername();
        await (await client.RegisterAsync(username)).AssertOkJsonAsync();

        for (var i = 0; i < 10; i++)
        {
            await client.LoginAsync(username, "warm-up password");
            await client.LoginAsync(ApiClient.NewUsername("nobody"), "warm-up password");
        }

        var wrongPassword = new List<double>();
        var unknownUser = new List<double>();
        HttpResponseMessage? lastWrong = null, lastUnknown = null;
        for (var i = 0; i < Attempts; i++)
        {
            (lastWrong, var wrongTime) = await TimeAsync(() => client.LoginAsync(username, $"wrong password {i}"));
            (lastUnknown, var unknownTime) = await TimeAsync(() => client.LoginAsync(ApiClient.NewUsername("nobody"), $"wrong password {i}"));
            wrongPassword.Add(wrongTime);
            unknownUser.Add(unknownTime);
        }

        var wrongBody = await lastWrong!.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        var unknownBody = await lastUnknown!.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Equal(
            string.Join(",", wrongBody.EnumerateObject().Where(p => p.Name != "traceId").Select(p => $"{p.Name}={p.Value}")),
            string.Join(",", unknownBody.EnumerateObject().Where(p => p.Name != "traceId").Select(p => $"{p.Name}={p.Value}")));
        Assert.Equal(Headers(lastWrong!), Headers(lastUnknown!));

        var (wrongMedian, unknownMedian) = (Median(wrongPassword), Median(unknownUser));
        output.WriteLine($"{app.BackendName}: median wrong password {wrongMedian:F2} ms, unknown user {unknownMedian:F2} ms over {Attempts} each");
        Assert.InRange(unknownMedian / wrongMedian, 0.8, 1.2);
    }

    internal static string Headers(HttpResponseMessage response) =>
        string.Join("\n", response.Headers.Concat(response.Content.Headers)
            .Where(h => h.Key is not ("Date" or "Content-Length"))
            .OrderBy(h => h.Key)
            .Select(h => $"{h.Key}: {string.Join(",", h.Value)}"));

    internal static async Task<(HttpResponseMessage, double)> TimeAsync(Func<Task<HttpResponseMessage>> call)
    {
        var stopwatch = Stopwatch.StartNew();
        var response = await call();
        await response.Content.LoadIntoBufferAsync();
        return (response, stopwatch.Elapsed.TotalMilliseconds);
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}

/// <summary>Timing is compared within one test, but other tests running beside it on 2 cores add noise to one side: run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "timing";
}

[Collection(TimingCollection.Name)]
public sealed class EmbeddedEnumerationTimingTests(EmbeddedBackend app, ITestOutputHelper output) : EnumerationTimingTests(app, output), IClassFixture<EmbeddedBackend>;
