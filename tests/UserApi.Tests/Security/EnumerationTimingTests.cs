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
    internal const int Attempts = 120;

    [Fact]
    public async Task UnknownUserAndWrongPasswordLookAndTakeTheSame()
    {
        // Brute-force locks would answer 429 early and fast: lift them for this measurement.
        using var unlimited = app.WithSettings(("Security:MaxFailedLoginsPerAccount", "100000"), ("Security:MaxFailedLoginsPerIp", "100000"));
        var client = unlimited.CreateClient();
        var username = ApiClient.NewUsername();
        await (await client.RegisterAsync(username)).AssertOkJsonAsync();

        var (wrongMedian, unknownMedian) = await FailedLoginMediansAsync(client, () => username, () => ApiClient.NewUsername("nobody"));
        output.WriteLine($"{app.BackendName}: median wrong password {wrongMedian:F2} ms, unknown user {unknownMedian:F2} ms over {Attempts} each");
        Assert.InRange(unknownMedian / wrongMedian, 0.8, 1.2);
    }

    /// <summary>
    /// Logs in with a wrong password as <paramref name="first"/>'s and <paramref name="second"/>'s names, interleaved (10
    /// warm-up rounds, then <see cref="Attempts"/>), asserts that both were answered the same 401
    /// <c>invalid_credentials</c> (body but trace id, headers), and returns the median time of each.
    /// </summary>
    internal static async Task<(double First, double Second)> FailedLoginMediansAsync(HttpClient client, Func<string> first, Func<string> second)
    {
        for (var i = 0; i < 10; i++)
        {
            await client.LoginAsync(first(), "warm-up password");
            await client.LoginAsync(second(), "warm-up password");
        }

        var firstTimes = new List<double>();
        var secondTimes = new List<double>();
        HttpResponseMessage? lastFirst = null, lastSecond = null;
        for (var i = 0; i < Attempts; i++)
        {
            (lastFirst, var firstTime) = await TimeAsync(() => client.LoginAsync(first(), $"wrong password {i}"));
            (lastSecond, var secondTime) = await TimeAsync(() => client.LoginAsync(second(), $"wrong password {i}"));
            firstTimes.Add(firstTime);
            secondTimes.Add(secondTime);
        }

        var firstBody = await lastFirst!.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        var secondBody = await lastSecond!.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Equal(Fields(firstBody), Fields(secondBody));
        Assert.Equal(Headers(lastFirst!), Headers(lastSecond!));
        return (Median(firstTimes), Median(secondTimes));
    }

    /// <summary>A problem's members but its trace id, which differs per request.</summary>
    internal static string Fields(System.Text.Json.JsonElement problem) =>
        string.Join(",", problem.EnumerateObject().Where(p => p.Name != "traceId").Select(p => $"{p.Name}={p.Value}"));

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
