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

        var viaProxy = await (await LoginFromAsync(client, "10.0.0.254", username, forwardedFor: "203.0.113.7")).Content.ReadFromJsonAsync<IssuedTokens>();
        var direct = await (await LoginFromAsync(client, "10.0.0.9", username, forwardedFor: "203.0.113.8")).Content.ReadFromJsonAsync<IssuedTokens>();

        var request = new HttpRequestMessage(HttpMethod.Get, "/user/sessions");
        request.Headers.Authorization = ApiClient.Bearer(viaProxy!.AccessToken);
        var sessions = (await (await client.SendAsync(request)).AssertOkJsonAsync()).GetProperty("sessions").EnumerateArray()
            .ToDictionary(s => s.GetProperty("id").GetString()!, s => s.GetProperty("ip").GetString());
        Assert.Equal("203.0.113.7", sessions[Jwt.Payload(viaProxy.AccessToken).GetProperty("sid").GetString()!]);
        Assert.Equal("10.0.0.9", sessions[Jwt.Payload(direct!.AccessToken).GetProperty("sid").GetString()!]);
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
