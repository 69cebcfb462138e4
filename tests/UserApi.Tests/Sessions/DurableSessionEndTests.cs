using System.Net.Http.Json;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using UserApi.Accounts;
using UserApi.Passwords;
using UserApi.Sessions;
using UserApi.Tests.Support;

namespace UserApi.Tests.Sessions;

/// <summary>
/// Ending every session of a user (logout everywhere, password change, disable) is written to the user's row
/// before the sessions are deleted: a session store that loses the deletion (a Redis restarted empty, a failover
/// that lost a write) does not bring them back, and a login hashing meanwhile does not outlive it. The lost
/// deletion is made by putting the ended sessions back into the service's own session store.
/// </summary>
public abstract class DurableSessionEndTests(UserApiFactory app)
{
    private readonly HttpClient _client = app.CreateClient();

    private ISessionStore Store => app.Services.GetRequiredService<ISessionStore>();

    private async Task<IReadOnlyList<Session>> SessionsOfAsync(long userId) => await Store.ListAsync(userId, DateTimeOffset.UtcNow, CancellationToken.None);

    /// <summary>What a session store that lost the deletions holds: the sessions as they were.</summary>
    private async Task LoseTheDeletionsAsync(IReadOnlyList<Session> sessions)
    {
        var kept = (await SessionsOfAsync(sessions[0].UserId)).Select(s => s.Id).ToHashSet();
        foreach (var session in sessions.Where(s => !kept.Contains(s.Id)))
        {
            await Store.CreateAsync(session, 50, CancellationToken.None);
        }
    }

    private async Task<IssuedTokens> LoginAsync(string username, string password = ApiClient.Password) =>
        (await (await _client.LoginAsync(username, password)).Content.ReadFromJsonAsync<IssuedTokens>())!;

    [Fact]
    public async Task SessionsEndedEverywhereStayEndedWhenTheStoreLosesTheDeletion()
    {
        var (id, username, first) = await _client.NewSessionAsync();
        var second = await LoginAsync(username);
        var before = await SessionsOfAsync(id);

        Assert.Equal(HttpStatusCode.NoContent, (await _client.SendWithTokenAsync(HttpMethod.Post, "/user/logout/all", first.AccessToken)).StatusCode);
        await LoseTheDeletionsAsync(before);

        await (await _client.RefreshAsync(first.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        await (await _client.RefreshAsync(second.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        await (await _client.LoginAsync(username)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task APasswordChangeKeepsOnlyTheSessionThatMadeItWhenTheStoreLosesTheDeletion()
    {
        var (id, username, changer) = await _client.NewSessionAsync();
        var other = await LoginAsync(username);
        var before = await SessionsOfAsync(id);

        var change = await _client.PostJsonAsync("/user/password", $$"""{"oldPassword":"{{ApiClient.Password}}","newPassword":"a brand new password"}""", $"Bearer {changer.AccessToken}");
        Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        await LoseTheDeletionsAsync(before);

        await (await _client.RefreshAsync(other.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        await (await _client.RefreshAsync(changer.RefreshToken)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task ADisabledUsersSessionsStayEndedAfterReEnablingWhenTheStoreLostTheDeletion()
    {
        var (id, username, tokens) = await _client.NewSessionAsync();
        var before = await SessionsOfAsync(id);
        var administration = app.Services.GetRequiredService<UserAdministration>();

        await administration.SetDisabledAsync(username, disabled: true, CancellationToken.None);
        await LoseTheDeletionsAsync(before);
        await administration.SetDisabledAsync(username, disabled: false, CancellationToken.None);

        await (await _client.RefreshAsync(tokens.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        await (await _client.LoginAsync(username)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task ALoginHashingWhileTheSessionsAreEndedGetsNoSession()
    {
        var (id, username, other) = await _client.NewSessionAsync();
        var queue = app.Services.GetRequiredService<HashingQueue>();
        using var gate = new ManualResetEventSlim();
        using var started = new CountdownEvent(queue.Workers);
        // Every worker busy until the gate opens, so the login waits for its hash after it has read the user.
        var busy = Enumerable.Range(0, queue.Workers).Select(_ => queue.RunAsync(() =>
        {
            started.Signal();
            return gate.Wait(TimeSpan.FromSeconds(30));
        }, CancellationToken.None)).ToList();
        Assert.True(started.Wait(TimeSpan.FromSeconds(10)));
        var inFlight = _client.LoginAsync(username);
        await Poll.UntilAsync(() => Task.FromResult(queue.Waiting == 1), TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.NoContent, (await _client.SendWithTokenAsync(HttpMethod.Post, "/user/logout/all", other.AccessToken)).StatusCode);
        gate.Set();
        await Task.WhenAll(busy);

        await (await inFlight).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Empty(await SessionsOfAsync(id));
    }
}

public sealed class EmbeddedDurableSessionEndTests(EmbeddedBackend app) : DurableSessionEndTests(app), IClassFixture<EmbeddedBackend>;

public sealed class MySqlRedisDurableSessionEndTests(MySqlRedisBackend app) : DurableSessionEndTests(app), IClassFixture<MySqlRedisBackend>;
