using System.Net;
using System.Text.Json.Nodes;
using UserApi.Tests.Support;

namespace UserApi.Tests.Functional;

/// <summary><c>Auth.PublicUserNames: false</c>: <c>POST /user/info</c> names only the caller, and another id looks like no id at all.</summary>
public sealed class PrivateUserNameTests(EmbeddedBackend app) : IClassFixture<EmbeddedBackend>
{
    private static Task<HttpResponseMessage> NameOfAsync(HttpClient client, long id, string accessToken) =>
        client.PostJsonAsync("/user/info", $$"""{"userId": {{id}}}""", accessToken);

    /// <summary>The problem without its <c>traceId</c>, which differs on every response.</summary>
    private static async Task<string> ProblemWithoutTraceIdAsync(HttpResponseMessage response)
    {
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        problem.Remove("traceId");
        return problem.ToJsonString();
    }

    [Fact]
    public async Task PrivateNamesAnswerTheCallersOwnId()
    {
        using var privateNames = app.WithSettings(("Auth:PublicUserNames", "false"));
        var client = privateNames.CreateClient();
        var (id, username, tokens) = await client.NewSessionAsync();

        var own = await (await NameOfAsync(client, id, tokens.AccessToken)).AssertOkJsonAsync();
        Assert.Equal(username, own.GetProperty("name").GetString());
    }

    [Fact]
    public async Task PrivateNamesAnswerAnotherUsersIdAsAnIdThatDoesNotExist()
    {
        using var privateNames = app.WithSettings(("Auth:PublicUserNames", "false"));
        var client = privateNames.CreateClient();
        var (_, _, caller) = await client.NewSessionAsync();
        var (otherId, _, _) = await client.NewSessionAsync("other");

        var other = await NameOfAsync(client, otherId, caller.AccessToken);
        var missing = await NameOfAsync(client, long.MaxValue, caller.AccessToken);

        await other.AssertProblemAsync(HttpStatusCode.NotFound, "user_not_found");
        await missing.AssertProblemAsync(HttpStatusCode.NotFound, "user_not_found");
        Assert.Equal(await ProblemWithoutTraceIdAsync(missing), await ProblemWithoutTraceIdAsync(other));
        Assert.Equal(missing.Content.Headers.ContentType, other.Content.Headers.ContentType);
    }

    [Fact]
    public async Task PrivateNamesAreReadByNoAnonymousToken()
    {
        using var privateNames = app.WithSettings(("Auth:PublicUserNames", "false"));
        var client = privateNames.CreateClient();
        var (id, _, _) = await client.NewSessionAsync();
        var anonymous = (await (await client.PostAsync("/user/token", null)).AssertOkJsonAsync()).GetProperty("access_token").GetString()!;

        await (await NameOfAsync(client, id, anonymous)).AssertProblemAsync(HttpStatusCode.NotFound, "user_not_found");
    }

    [Fact]
    public async Task PublicNamesAreTheDefault()
    {
        var client = app.CreateClient();
        var (_, _, caller) = await client.NewSessionAsync();
        var (otherId, otherName, _) = await client.NewSessionAsync("other");

        var other = await (await NameOfAsync(client, otherId, caller.AccessToken)).AssertOkJsonAsync();
        Assert.Equal(otherName, other.GetProperty("name").GetString());
    }
}
