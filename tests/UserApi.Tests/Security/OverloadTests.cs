using System.Net;
using Microsoft.Extensions.DependencyInjection;
using UserApi.Passwords;
using UserApi.Tests.Support;

namespace UserApi.Tests.Security;

/// <summary>
/// <c>Security.MaxHashWait</c>: a request that would wait too long for a password-hashing worker is answered at
/// once with 503 <c>overloaded</c> and <c>Retry-After</c>, before anything is done. The queue is filled here by
/// holding its places, not by real load: with <c>MaxHashWait: 0</c> a request is refused whenever every worker is taken.
/// </summary>
public sealed class OverloadTests(EmbeddedBackend app) : IClassFixture<EmbeddedBackend>
{
    /// <summary>Takes every worker's place in the server's hashing queue until disposed.</summary>
    private static Occupied OccupyEveryWorker(IServiceProvider services)
    {
        var queue = services.GetRequiredService<HashingQueue>();
        var admissions = Enumerable.Range(0, queue.Workers).Select(_ => queue.Admit()).ToList();
        Assert.All(admissions, a => Assert.True(a.Admitted));
        return new Occupied(admissions);
    }

    private sealed class Occupied(List<HashingAdmission> admissions) : IDisposable
    {
        public void Dispose() => admissions.ForEach(a => a.Dispose());
    }

    private static async Task AssertOverloadedAsync(HttpResponseMessage response)
    {
        var problem = await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "overloaded");
        Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {response.Headers.RetryAfter}");
        Assert.Equal((long)response.Headers.RetryAfter!.Delta!.Value.TotalSeconds, problem.GetProperty("retryAfter").GetInt64());
    }

    [Fact]
    public async Task ALoginIsShedWithRetryAfterWhileTheHashingQueueIsFullAndServedOnceItDrains()
    {
        using var strict = app.WithSettings(("Security:MaxHashWait", "0"));
        var client = strict.CreateClient();
        var (_, username, _) = await client.NewSessionAsync();

        using (OccupyEveryWorker(strict.Services))
        {
            await AssertOverloadedAsync(await client.LoginAsync(username));
            // A shed login is no guess: however many are shed, the account is not locked by them.
            for (var i = 0; i < 10; i++)
            {
                await AssertOverloadedAsync(await client.LoginAsync(username, "a wrong password"));
            }
        }

        await (await client.LoginAsync(username)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task ALoginIsShedBeforeItsBodyIsRead()
    {
        // Cheap refusals are the point under a storm: the route refuses before binding, so even a body that
        // would be a 400 is answered 503 while the queue is full (and 400 once it is not).
        using var strict = app.WithSettings(("Security:MaxHashWait", "0"));
        var client = strict.CreateClient();
        const string malformed = "{\"username\": ";

        using (OccupyEveryWorker(strict.Services))
        {
            await AssertOverloadedAsync(await client.PostJsonAsync("/user/login", malformed));
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostJsonAsync("/user/login", malformed)).StatusCode);
    }

    [Fact]
    public async Task AShedRegistrationStoresNothing()
    {
        using var strict = app.WithSettings(("Security:MaxHashWait", "0"));
        var client = strict.CreateClient();
        var username = ApiClient.NewUsername();

        using (OccupyEveryWorker(strict.Services))
        {
            await AssertOverloadedAsync(await client.RegisterAsync(username));
        }

        await (await client.RegisterAsync(username)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task AShedPasswordChangeChangesNothing()
    {
        using var strict = app.WithSettings(("Security:MaxHashWait", "0"));
        var client = strict.CreateClient();
        var (_, username, tokens) = await client.NewSessionAsync();
        var change = $$"""{"oldPassword":"{{ApiClient.Password}}","newPassword":"a brand new password"}""";

        using (OccupyEveryWorker(strict.Services))
        {
            await AssertOverloadedAsync(await client.PostJsonAsync("/user/password", change, $"Bearer {tokens.AccessToken}"));
        }

        await (await client.LoginAsync(username)).AssertOkJsonAsync();
        await (await client.UserInfoAsync(tokens.AccessToken)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task ARequestBelowTheLimitIsServed()
    {
        // The default limit (2 s) admits a login that finds every worker taken but nobody queued.
        var client = app.CreateClient();
        var (_, username, _) = await client.NewSessionAsync();

        using (OccupyEveryWorker(app.Services))
        {
            await (await client.LoginAsync(username)).AssertOkJsonAsync();
        }
    }

    [Fact]
    public async Task ShedRequestsAreCountedInTheMetrics()
    {
        using var strict = app.WithSettings(("Security:MaxHashWait", "0"));
        var client = strict.CreateClient();
        await client.GetAsync("/metrics");

        using (OccupyEveryWorker(strict.Services))
        {
            await AssertOverloadedAsync(await client.LoginAsync(ApiClient.NewUsername()));
        }

        static bool Counted(string text) => text.Contains("userapi_password_hashing_shed_total")
            && text.Split('\n').Any(line => line.StartsWith("userapi_logins_total{", StringComparison.Ordinal) && line.Contains("outcome=\"overloaded\""));
        var text = await Poll.UntilAsync(() => client.GetStringAsync("/metrics"), Counted, TimeSpan.FromSeconds(30));
        Assert.True(Counted(text), "The shed login is counted, as a shed and as a login whose outcome is overloaded.");
        Assert.Contains("# TYPE userapi_password_hashing_queue gauge", text);
    }
}
