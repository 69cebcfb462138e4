using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using UserApi.Tests.Support;

namespace UserApi.Tests.Recovery;

/// <summary>
/// <c>forgot</c> and <c>resend</c> cannot be used to flood a mailbox: per address (counted whether or not an account
/// has it, so a refusal tells nothing) and per client network, each a 429 <c>rate_limited</c> with <c>Retry-After</c>.
/// The counts are the backend's rate-limit store (Redis, shared, in production mode).
/// </summary>
public abstract class RecoveryLimitTests(UserApiFactory app)
{
    private static string NewIp() => $"198.51.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}";

    private static Task<HttpResponseMessage> ForgotAsync(HttpClient client, string ip, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/user/password/forgot") { Content = JsonContent.Create(body) };
        request.Headers.Add(UserApiFactory.RemoteIpHeader, ip);
        return client.SendAsync(request);
    }

    private static async Task AssertRateLimitedAsync(HttpResponseMessage response, long maximumWait)
    {
        var problem = await response.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        var retryAfter = long.Parse(response.Headers.GetValues("Retry-After").Single());
        Assert.Equal(retryAfter, problem.GetProperty("retryAfter").GetInt64());
        Assert.InRange(retryAfter, 1, maximumWait);
    }

    [Fact]
    public async Task ForgotIsLimitedPerAddressAlikeForAnAccountAndForNoAccount()
    {
        using var limited = app.WithSettings(("Security:RecoveryMailsPerAddressPerHour", "2"), ("Security:RecoveryRequestsPerMinute", "1000"));
        var client = limited.CreateClient();
        var (_, username, _) = await client.NewSessionAsync();
        var nobody = ApiClient.NewUsername("nobody");
        foreach (var name in new[] { username, nobody })
        {
            for (var i = 0; i < 2; i++)
            {
                Assert.Equal(HttpStatusCode.Accepted, (await ForgotAsync(client, NewIp(), new { username = name })).StatusCode);
            }
            // From another network too: the address's budget is spent wherever the requests came from.
            await AssertRateLimitedAsync(await ForgotAsync(client, NewIp(), new { username = name.ToUpperInvariant() }), 3600);
        }
        Assert.Equal(HttpStatusCode.Accepted, (await ForgotAsync(client, NewIp(), new { username = ApiClient.NewUsername("other") })).StatusCode);
    }

    [Fact]
    public async Task ForgotIsLimitedPerClientNetwork()
    {
        using var limited = app.WithSettings(("Security:RecoveryRequestsPerMinute", "3"), ("Security:RecoveryMailsPerAddressPerHour", "1000"));
        var client = limited.CreateClient();
        var ip = NewIp();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await ForgotAsync(client, ip, new { email = $"n{i}-{Guid.NewGuid():N}@mail.example" })).StatusCode);
        }
        await AssertRateLimitedAsync(await ForgotAsync(client, ip, new { email = $"late-{Guid.NewGuid():N}@mail.example" }), 60);
        Assert.Equal(HttpStatusCode.Accepted, (await ForgotAsync(client, NewIp(), new { email = $"other-{Guid.NewGuid():N}@mail.example" })).StatusCode);
    }

    [Fact]
    public async Task ResendIsLimitedPerAddress()
    {
        using var limited = app.WithSettings(("Security:RecoveryMailsPerAddressPerHour", "2"), ("Security:RecoveryRequestsPerMinute", "1000"));
        var client = limited.CreateClient();
        var (_, _, tokens) = await client.NewSessionAsync();
        var set = await client.PostJsonAsync("/user/email", JsonSerializer.Serialize(new { email = $"resend-{Guid.NewGuid():N}@mail.example" }), $"Bearer {tokens.AccessToken}");
        Assert.Equal(HttpStatusCode.Accepted, set.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.SendWithTokenAsync(HttpMethod.Post, "/user/email/resend", tokens.AccessToken)).StatusCode);
        await AssertRateLimitedAsync(await client.SendWithTokenAsync(HttpMethod.Post, "/user/email/resend", tokens.AccessToken), 3600);
    }

    [Theory]
    [InlineData("""{}""", "username")]
    [InlineData("""{"username":"someone","email":"someone@mail.example"}""", "username")]
    [InlineData("""{"email":"not an address"}""", "email")]
    [InlineData("""{"username":"bad\u0000name"}""", "username")]
    public async Task ForgotRefusesARequestThatNamesNoOneAccount(string body, string field)
    {
        var response = await app.CreateClient().PostAsync("/user/password/forgot", new StringContent(body, Encoding.UTF8, "application/json"));
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }
}

public sealed class EmbeddedRecoveryLimitTests(EmbeddedMailBackend app) : RecoveryLimitTests(app), IClassFixture<EmbeddedMailBackend>;

public sealed class MySqlRedisRecoveryLimitTests(MySqlRedisMailBackend app) : RecoveryLimitTests(app), IClassFixture<MySqlRedisMailBackend>;
