using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using UserApi.Tests.Support;

namespace UserApi.Tests.Security;

/// <summary>Failed-login counting per account and per client IP, lockouts with back-off, trusted proxies.</summary>
public sealed class BruteForceTests(EmbeddedBackend app) : IClassFixture<EmbeddedBackend>
{
    private readonly HttpClient _client = app.CreateClient();

    private static Task<HttpResponseMessage> LoginFromAsync(HttpClient client, string ip, string username, string password = ApiClient.Password, string? forwardedFor = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/user/login") { Content = JsonContent.Create(new { username, password }) };
        request.Headers.Add(UserApiFactory.RemoteIpHeader, ip);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }
        return client.SendAsync(request);
    }

    private static async Task<long> AssertLockedAsync(HttpResponseMessage response)
    {
        var problem = await response.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        var retryAfter = long.Parse(response.Headers.GetValues("Retry-After").Single());
        Assert.True(retryAfter > 0);
        Assert.Equal(retryAfter, problem.GetProperty("retryAfter").GetInt64());
        return retryAfter;
    }

    [Fact]
    public async Task ParallelWrongPasswordsAreCheckedNoMoreThanTheLimitAllows()
    {
        var username = ApiClient.NewUsername();
        await (await _client.RegisterAsync(username)).AssertOkJsonAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => _client.LoginAsync(username, "wrong password")));

        // Each attempt is counted before its hash: exactly five were checked, the rest refused unchecked.
        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
        Assert.Equal(95, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
        await responses.First(r => r.StatusCode == HttpStatusCode.Unauthorized).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await AssertLockedAsync(responses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task SuccessfulLoginsDoNotCountTowardsTheIpLimit()
    {
        using var strict = app.WithSettings(("Security:MaxFailedLoginsPerIp", "3"));
        var client = strict.CreateClient();
        var username = ApiClient.NewUsername();
        await (await client.RegisterAsync(username)).AssertOkJsonAsync();

        for (var i = 0; i < 5; i++)
        {
            await (await LoginFromAsync(client, "203.0.113.77", username)).AssertOkJsonAsync();
        }
    }

    [Fact]
    public async Task FiveFailuresLockTheAccountEvenForTheRightPassword()
    {
        var username = ApiClient.NewUsername();
        await (await _client.RegisterAsync(username)).AssertOkJsonAsync();
        var (_, other, _) = await _client.NewSessionAsync();
        for (var i = 0; i < 5; i++)
        {
            await (await _client.LoginAsync(username, "wrong password")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }
        var retryAfter = await AssertLockedAsync(await _client.LoginAsync(username));
        Assert.InRange(retryAfter, 1, 30);

        // Other accounts are unaffected.
        await (await _client.LoginAsync(other)).AssertOkJsonAsync();

        app.Time.Advance(TimeSpan.FromSeconds(retryAfter + 1));
        await (await _client.LoginAsync(username)).AssertOkJsonAsync();
        // The success cleared the counter: one new failure does not lock again.
        await (await _client.LoginAsync(username, "wrong password")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await (await _client.LoginAsync(username)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task EachFailureAfterALockDoublesTheNextLock()
    {
        var username = ApiClient.NewUsername();
        await (await _client.RegisterAsync(username)).AssertOkJsonAsync();
        for (var i = 0; i < 5; i++)
        {
            await _client.LoginAsync(username, "wrong password");
        }
        var first = await AssertLockedAsync(await _client.LoginAsync(username, "wrong password"));
        app.Time.Advance(TimeSpan.FromSeconds(first + 1));
        await (await _client.LoginAsync(username, "wrong password")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        var second = await AssertLockedAsync(await _client.LoginAsync(username));
        Assert.InRange(second, 2 * first - 1, 2 * first);
    }

    [Fact]
    public async Task UnknownUsernamesAreCountedAndLockedLikeKnownOnes()
    {
        var nobody = ApiClient.NewUsername("nobody");
        for (var i = 0; i < 5; i++)
        {
            await (await _client.LoginAsync(nobody, "guess")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }
        await AssertLockedAsync(await _client.LoginAsync(nobody, "guess"));
    }

    [Fact]
    public async Task ThePerIpLimitBoundsPasswordSpraying()
    {
        using var limited = app.WithSettings(("Security:MaxFailedLoginsPerIp", "8"));
        var client = limited.CreateClient();
        var (_, victim, _) = await client.NewSessionAsync();
        var sprayer = $"10.77.{Random.Shared.Next(1, 254)}.{Random.Shared.Next(1, 254)}";
        for (var i = 0; i < 8; i++)
        {
            var response = await LoginFromAsync(client, sprayer, ApiClient.NewUsername("sprayed"), "Winter2026!");
            await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        }
        await AssertLockedAsync(await LoginFromAsync(client, sprayer, victim));
        await (await LoginFromAsync(client, "10.78.0.1", victim)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task ForwardedForIsBelievedOnlyFromATrustedProxy()
    {
        using var proxied = app.WithSettings(("Security:TrustedProxies:0", "10.0.0.254"));
        var client = proxied.CreateClient();
        var username = ApiClient.NewUsername();
        await (await client.RegisterAsync(username)).AssertOkJsonAsync();

        Assert.Equal("203.0.113.7", await SessionIpAsync(client, "10.0.0.254", username, forwardedFor: "203.0.113.7"));
        Assert.Equal("10.0.0.9", await SessionIpAsync(client, "10.0.0.9", username, forwardedFor: "203.0.113.8"));
    }

    [Fact]
    public async Task ForwardedForIsBelievedFromAnyAddressOfATrustedNetwork()
    {
        using var proxied = app.WithSettings(("Security:TrustedProxies:0", "10.0.0.0/8"), ("Security:TrustedProxies:1", "fd00::/8"));
        var client = proxied.CreateClient();
        var username = ApiClient.NewUsername();
        await (await client.RegisterAsync(username)).AssertOkJsonAsync();

        Assert.Equal("203.0.113.7", await SessionIpAsync(client, "10.42.7.3", username, forwardedFor: "203.0.113.7"));
        Assert.Equal("203.0.113.8", await SessionIpAsync(client, "fd12:3456::1", username, forwardedFor: "203.0.113.8"));
        Assert.Equal("11.0.0.1", await SessionIpAsync(client, "11.0.0.1", username, forwardedFor: "203.0.113.9"));
        Assert.Equal("fe00::1", await SessionIpAsync(client, "fe00::1", username, forwardedFor: "203.0.113.10"));
    }

    [Fact]
    public async Task ForwardLimitIsTheNumberOfHopsBelieved()
    {
        var username = ApiClient.NewUsername();
        await (await _client.RegisterAsync(username)).AssertOkJsonAsync();
        const string chain = "198.51.100.1, 203.0.113.7, 10.0.0.2";

        using var oneHop = app.WithSettings(("Security:TrustedProxies:0", "10.0.0.0/8"));
        Assert.Equal("10.0.0.2", await SessionIpAsync(oneHop.CreateClient(), "10.0.0.1", username, forwardedFor: chain));

        using var twoHops = app.WithSettings(("Security:TrustedProxies:0", "10.0.0.0/8"), ("Security:ForwardLimit", "2"));
        Assert.Equal("203.0.113.7", await SessionIpAsync(twoHops.CreateClient(), "10.0.0.1", username, forwardedFor: chain));

        // A hop from outside the trusted networks ends the walk, whatever the limit: 203.0.113.7 could have written anything left of it.
        using var threeHops = app.WithSettings(("Security:TrustedProxies:0", "10.0.0.0/8"), ("Security:ForwardLimit", "3"));
        Assert.Equal("203.0.113.7", await SessionIpAsync(threeHops.CreateClient(), "10.0.0.1", username, forwardedFor: chain));
    }

    /// <summary>Logs in from <paramref name="ip"/> and reads back the address the new session recorded.</summary>
    private static async Task<string?> SessionIpAsync(HttpClient client, string ip, string username, string forwardedFor)
    {
        var tokens = (await (await LoginFromAsync(client, ip, username, forwardedFor: forwardedFor)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        var request = new HttpRequestMessage(HttpMethod.Get, "/user/sessions");
        request.Headers.Authorization = ApiClient.Bearer(tokens.AccessToken);
        var sessionId = Jwt.Payload(tokens.AccessToken).GetProperty("sid").GetString();
        return (await (await client.SendAsync(request)).AssertOkJsonAsync()).GetProperty("sessions").EnumerateArray()
            .Single(s => s.GetProperty("id").GetString() == sessionId).GetProperty("ip").GetString();
    }

    [Fact]
    public async Task ASpoofedForwardedForDoesNotEscapeTheIpLimit()
    {
        using var limited = app.WithSettings(("Security:MaxFailedLoginsPerIp", "3"));
        var client = limited.CreateClient();
        var attacker = $"10.79.{Random.Shared.Next(1, 254)}.{Random.Shared.Next(1, 254)}";
        for (var i = 0; i < 3; i++)
        {
            await LoginFromAsync(client, attacker, ApiClient.NewUsername("sprayed"), "guess", forwardedFor: $"198.51.100.{i + 1}");
        }
        await AssertLockedAsync(await LoginFromAsync(client, attacker, ApiClient.NewUsername("sprayed"), "guess", forwardedFor: "198.51.100.99"));
    }

    [Fact]
    public async Task WrongOldPasswordsCountTowardsTheLock()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        for (var i = 0; i < 5; i++)
        {
            var wrong = await _client.PostJsonAsync("/user/password", """{"oldPassword":"guess guess","newPassword":"a brand new password"}""", $"Bearer {tokens.AccessToken}");
            await wrong.AssertProblemAsync(HttpStatusCode.Forbidden, "wrong_password");
        }
        var locked = await _client.PostJsonAsync("/user/password", $$"""{"oldPassword":"{{ApiClient.Password}}","newPassword":"a brand new password"}""", $"Bearer {tokens.AccessToken}");
        await AssertLockedAsync(locked);
    }
}
