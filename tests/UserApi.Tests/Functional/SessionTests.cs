using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using UserApi.Accounts;
using UserApi.Tests.Support;

namespace UserApi.Tests.Functional;

/// <summary>Session semantics (docs/design.md §3.5): rotation with a grace window, reuse detection, logout, listing, limits.</summary>
public sealed class SessionTests(EmbeddedBackend app) : IClassFixture<EmbeddedBackend>
{
    private readonly HttpClient _client = app.CreateClient();

    private static async Task<IssuedTokens> TokensOf(HttpResponseMessage response)
    {
        await response.AssertOkJsonAsync();
        return (await response.Content.ReadFromJsonAsync<IssuedTokens>())!;
    }

    private static string SessionOf(string accessToken) => Jwt.Payload(accessToken).GetProperty("sid").GetString()!;

    private async Task AssertSessionEndedAsync(IssuedTokens tokens, HttpClient? client = null)
    {
        client ??= _client;
        await (await client.UserInfoAsync(tokens.AccessToken)).AssertInvalidTokenAsync("session_revoked");
        var refresh = await client.RefreshAsync(tokens.RefreshToken);
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
    }

    [Fact]
    public async Task RefreshWithThePreviousTokenWithinTheReuseIntervalReturnsTheCurrentPairAgain()
    {
        var (_, _, first) = await _client.NewSessionAsync();
        var second = await TokensOf(await _client.RefreshAsync(first.RefreshToken));
        app.Time.Advance(TimeSpan.FromSeconds(9));
        var again = await TokensOf(await _client.RefreshAsync(first.RefreshToken));
        Assert.Equal(second.RefreshToken, again.RefreshToken);
        Assert.Equal(second.AccessToken, again.AccessToken);
        await (await _client.UserInfoAsync(again.AccessToken)).AssertOkJsonAsync();
        await TokensOf(await _client.RefreshAsync(second.RefreshToken));
    }

    [Fact]
    public async Task RefreshWithThePreviousTokenAfterTheReuseIntervalRevokesTheSession()
    {
        var (_, _, first) = await _client.NewSessionAsync();
        var second = await TokensOf(await _client.RefreshAsync(first.RefreshToken));
        app.Time.Advance(TimeSpan.FromSeconds(11));
        await (await _client.RefreshAsync(first.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "refresh_token_reused");
        await AssertSessionEndedAsync(second);
        await (await _client.UserInfoAsync(first.AccessToken)).AssertInvalidTokenAsync("session_revoked");
    }

    [Fact]
    public async Task RefreshWithAnOlderTokenRevokesTheSessionEvenWithinTheInterval()
    {
        var (_, _, first) = await _client.NewSessionAsync();
        var second = await TokensOf(await _client.RefreshAsync(first.RefreshToken));
        var third = await TokensOf(await _client.RefreshAsync(second.RefreshToken));
        await (await _client.RefreshAsync(first.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "refresh_token_reused");
        await AssertSessionEndedAsync(third);
    }

    [Fact]
    public async Task WithTheIntervalOffThePreviousTokenIsAReuse()
    {
        using var strict = app.WithSettings(("Auth:RefreshReuseInterval", "0"));
        var client = strict.CreateClient();
        var (_, _, first) = await client.NewSessionAsync();
        var second = await TokensOf(await client.RefreshAsync(first.RefreshToken));
        await (await client.RefreshAsync(first.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "refresh_token_reused");
        await AssertSessionEndedAsync(second, client);
    }

    [Fact]
    public async Task FiftyParallelRefreshesWithTheIntervalOnAllGetTheSameSuccessorPair()
    {
        var (_, _, first) = await _client.NewSessionAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => _client.RefreshAsync(first.RefreshToken)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var pairs = await Task.WhenAll(responses.Select(r => r.Content.ReadFromJsonAsync<IssuedTokens>()));
        Assert.Single(pairs.Select(p => p!.RefreshToken).Distinct());
        Assert.Single(pairs.Select(p => p!.AccessToken).Distinct());
        await TokensOf(await _client.RefreshAsync(pairs[0]!.RefreshToken));
    }

    [Fact]
    public async Task FiftyParallelRefreshesWithTheIntervalOffYieldExactlyOneSuccessor()
    {
        using var strict = app.WithSettings(("Auth:RefreshReuseInterval", "0"));
        var client = strict.CreateClient();
        var (_, _, first) = await client.NewSessionAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => client.RefreshAsync(first.RefreshToken)));
        var winners = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        Assert.Single(winners);
        Assert.Equal(49, responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
        foreach (var loser in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
        {
            var code = (await loser.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString();
            Assert.Contains(code, new[] { "refresh_token_reused", "session_revoked" });
        }
        // The losers presented a spent token: with no grace window that is a reuse, which ends the family.
        await AssertSessionEndedAsync(await TokensOf(winners[0]), client);
    }

    [Fact]
    public async Task ARefreshRacingALogoutNeverLeavesAUsableToken()
    {
        for (var round = 0; round < 10; round++)
        {
            var (_, _, tokens) = await _client.NewSessionAsync();
            var refreshing = _client.RefreshAsync(tokens.RefreshToken);
            var loggingOut = _client.SendWithTokenAsync(HttpMethod.Post, "/user/logout", tokens.AccessToken);
            var (refresh, logout) = (await refreshing, await loggingOut);
            Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
            if (refresh.StatusCode == HttpStatusCode.OK)
            {
                await AssertSessionEndedAsync(await TokensOf(refresh));
            }
            await AssertSessionEndedAsync(tokens);
        }
    }

    [Fact]
    public async Task LogoutEndsTheSessionAndIsIdempotent()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await _client.SendWithTokenAsync(HttpMethod.Post, "/user/logout", tokens.AccessToken)).StatusCode);
        await AssertSessionEndedAsync(tokens);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.SendWithTokenAsync(HttpMethod.Post, "/user/logout", tokens.AccessToken)).StatusCode);
    }

    [Fact]
    public async Task LogoutLeavesTheUsersOtherSessionsAlone()
    {
        var (_, username, first) = await _client.NewSessionAsync();
        var second = await TokensOf(await _client.LoginAsync(username));
        await _client.SendWithTokenAsync(HttpMethod.Post, "/user/logout", first.AccessToken);
        await (await _client.UserInfoAsync(second.AccessToken)).AssertOkJsonAsync();
        await TokensOf(await _client.RefreshAsync(second.RefreshToken));
    }

    [Fact]
    public async Task LogoutAllEndsEverySessionOfTheUser()
    {
        var (_, username, first) = await _client.NewSessionAsync();
        var second = await TokensOf(await _client.LoginAsync(username));
        var (_, _, someoneElse) = await _client.NewSessionAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await _client.SendWithTokenAsync(HttpMethod.Post, "/user/logout/all", second.AccessToken)).StatusCode);
        await AssertSessionEndedAsync(first);
        await AssertSessionEndedAsync(second);
        await (await _client.UserInfoAsync(someoneElse.AccessToken)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task SessionsAreListedNewestFirstWithTheCurrentOneMarked()
    {
        var username = ApiClient.NewUsername();
        await (await _client.RegisterAsync(username)).AssertOkJsonAsync();
        var phone = new HttpRequestMessage(HttpMethod.Post, "/user/login") { Content = JsonContent.Create(new { username, password = ApiClient.Password }) };
        phone.Headers.UserAgent.ParseAdd("Phone/1.0");
        var first = await TokensOf(await _client.SendAsync(phone));
        app.Time.Advance(TimeSpan.FromSeconds(1));
        var second = await TokensOf(await _client.LoginAsync(username));

        var list = await (await _client.SendWithTokenAsync(HttpMethod.Get, "/user/sessions", first.AccessToken)).AssertOkJsonAsync();
        var sessions = list.GetProperty("sessions").EnumerateArray().ToList();
        Assert.Equal(2, sessions.Count);
        Assert.Equal(SessionOf(second.AccessToken), sessions[0].GetProperty("id").GetString());
        Assert.Equal(SessionOf(first.AccessToken), sessions[1].GetProperty("id").GetString());
        Assert.False(sessions[0].GetProperty("current").GetBoolean());
        Assert.True(sessions[1].GetProperty("current").GetBoolean());
        Assert.Equal("Phone/1.0", sessions[1].GetProperty("userAgent").GetString());
        Assert.True(sessions[0].GetProperty("createdAt").GetDateTimeOffset() > sessions[1].GetProperty("createdAt").GetDateTimeOffset());
        Assert.True(sessions[0].TryGetProperty("lastUsedAt", out _));
        Assert.True(sessions[0].TryGetProperty("ip", out _));
    }

    [Fact]
    public async Task ASessionCanBeEndedByIdButOnlyByItsOwner()
    {
        var (_, username, first) = await _client.NewSessionAsync();
        var second = await TokensOf(await _client.LoginAsync(username));
        var (_, _, stranger) = await _client.NewSessionAsync();

        var strangers = await _client.SendWithTokenAsync(HttpMethod.Delete, $"/user/sessions/{SessionOf(second.AccessToken)}", stranger.AccessToken);
        await strangers.AssertProblemAsync(HttpStatusCode.NotFound, "session_not_found");
        await (await _client.UserInfoAsync(second.AccessToken)).AssertOkJsonAsync();

        var own = await _client.SendWithTokenAsync(HttpMethod.Delete, $"/user/sessions/{SessionOf(second.AccessToken)}", first.AccessToken);
        Assert.Equal(HttpStatusCode.NoContent, own.StatusCode);
        await AssertSessionEndedAsync(second);
        await (await _client.UserInfoAsync(first.AccessToken)).AssertOkJsonAsync();

        var unknown = await _client.SendWithTokenAsync(HttpMethod.Delete, "/user/sessions/no-such-session", first.AccessToken);
        await unknown.AssertProblemAsync(HttpStatusCode.NotFound, "session_not_found");
    }

    [Fact]
    public async Task ChangingThePasswordEndsEveryOtherSession()
    {
        var (_, username, current) = await _client.NewSessionAsync();
        var other = await TokensOf(await _client.LoginAsync(username));

        var wrong = await _client.PostJsonAsync("/user/password", """{"oldPassword":"not the password","newPassword":"a brand new password"}""", $"Bearer {current.AccessToken}");
        await wrong.AssertProblemAsync(HttpStatusCode.Forbidden, "wrong_password");
        var weak = await _client.PostJsonAsync("/user/password", $$"""{"oldPassword":"{{ApiClient.Password}}","newPassword":"short"}""", $"Bearer {current.AccessToken}");
        await weak.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        await (await _client.UserInfoAsync(other.AccessToken)).AssertOkJsonAsync();

        var changed = await _client.PostJsonAsync("/user/password", $$"""{"oldPassword":"{{ApiClient.Password}}","newPassword":"a brand new password"}""", $"Bearer {current.AccessToken}");
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        await (await _client.UserInfoAsync(current.AccessToken)).AssertOkJsonAsync();
        await AssertSessionEndedAsync(other);
        await (await _client.LoginAsync(username)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await TokensOf(await _client.LoginAsync(username, "a brand new password"));
    }

    [Fact]
    public async Task ALoginBeyondTheSessionLimitEndsTheOldestSession()
    {
        using var limited = app.WithSettings(("Auth:MaxSessionsPerUser", "3"));
        var client = limited.CreateClient();
        var (_, username, oldest) = await client.NewSessionAsync();
        var logins = new List<IssuedTokens>();
        for (var i = 0; i < 3; i++)
        {
            app.Time.Advance(TimeSpan.FromMilliseconds(10));
            logins.Add(await TokensOf(await client.LoginAsync(username)));
        }
        await AssertSessionEndedAsync(oldest, client);
        var list = await (await client.SendWithTokenAsync(HttpMethod.Get, "/user/sessions", logins[^1].AccessToken)).AssertOkJsonAsync();
        Assert.Equal(3, list.GetProperty("sessions").GetArrayLength());
        foreach (var tokens in logins)
        {
            await (await client.UserInfoAsync(tokens.AccessToken)).AssertOkJsonAsync();
        }
    }

    [Fact]
    public async Task AnIdleSessionEndsAfterTheIdleTimeout()
    {
        using var idle = app.WithSettings(("Auth:SessionIdleTimeout", "60"));
        var client = idle.CreateClient();
        var (_, _, first) = await client.NewSessionAsync();
        app.Time.Advance(TimeSpan.FromSeconds(59));
        var second = await TokensOf(await client.RefreshAsync(first.RefreshToken));
        app.Time.Advance(TimeSpan.FromSeconds(61));
        await (await client.RefreshAsync(second.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
    }

    [Fact]
    public async Task ASessionEndsAtItsAbsoluteExpiryHoweverOftenItIsRefreshed()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        var lifetime = TimeSpan.FromSeconds(tokens.RefreshExpiresIn);
        var step = lifetime / 4;
        for (var i = 0; i < 3; i++)
        {
            app.Time.Advance(step);
            tokens = await TokensOf(await _client.RefreshAsync(tokens.RefreshToken));
        }
        app.Time.Advance(step + TimeSpan.FromSeconds(UserApiFactory.ClockSkewSeconds + 1));
        await (await _client.RefreshAsync(tokens.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_expired");
    }

    [Fact]
    public async Task ADisabledUsersTokensStopWorking()
    {
        var (_, username, tokens) = await _client.NewSessionAsync();
        var accounts = app.Services.GetRequiredService<UserAdministration>();
        Assert.Null((await accounts.SetDisabledAsync(username, disabled: true, CancellationToken.None)).Failure);

        await AssertSessionEndedAsync(tokens);
        await (await _client.LoginAsync(username)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");

        await accounts.SetDisabledAsync(username, disabled: false, CancellationToken.None);
        await TokensOf(await _client.LoginAsync(username));
    }

    [Fact]
    public async Task AnonymousTokensHaveNoSessionsToManage()
    {
        var token = (await (await _client.PostAsync("/user/token", null)).AssertOkJsonAsync()).GetProperty("access_token").GetString()!;
        await (await _client.SendWithTokenAsync(HttpMethod.Post, "/user/logout", token)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await _client.SendWithTokenAsync(HttpMethod.Get, "/user/sessions", token)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task SessionEndpointsNeedAToken()
    {
        await (await _client.PostAsync("/user/logout", null)).AssertInvalidTokenAsync();
        await (await _client.PostAsync("/user/logout/all", null)).AssertInvalidTokenAsync();
        await (await _client.GetAsync("/user/sessions")).AssertInvalidTokenAsync();
        await (await _client.DeleteAsync("/user/sessions/x")).AssertInvalidTokenAsync();
        await (await _client.PostJsonAsync("/user/password", "{}")).AssertInvalidTokenAsync();
    }
}
