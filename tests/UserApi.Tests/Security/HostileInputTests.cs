using System.Net;
using System.Net.Http.Json;
using System.Text;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using UserApi.Tests.Support;
using UserApi.Users;

namespace UserApi.Tests.Security;

/// <summary>Hostile bodies and fields: each is refused with a 4xx problem, or stored verbatim, and never a 500.</summary>
public sealed class HostileInputTests(EmbeddedBackend app) : IClassFixture<EmbeddedBackend>
{
    private readonly HttpClient _client = app.CreateClient();

    public static TheoryData<string> Injections() =>
    [
        "' OR '1'='1",
        "admin'--",
        "\"; DROP TABLE users; --",
        "1; DROP TABLE users",
        "x' UNION SELECT password_hash FROM users --",
        "%' OR username LIKE '%",
        "\\'; SELECT SLEEP(5); --",
    ];

    private async Task<long> CountUsersNamedAsync(string usernameNormalized)
    {
        await using var connection = app.Services.GetRequiredService<SqlDialect>().CreateConnection();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users WHERE username_normalized = @usernameNormalized", new { usernameNormalized });
    }

    [Theory]
    [MemberData(nameof(Injections))]
    public async Task SqlInjectionInAUsernameIsStoredVerbatim(string injection)
    {
        var username = $"{injection}{Guid.NewGuid():N}"[..Math.Min(injection.Length + 12, 60)];
        Assert.Equal(0, await CountUsersNamedAsync(Username.Normalize(username)!));
        var user = await (await _client.RegisterAsync(username)).AssertOkJsonAsync();
        Assert.Equal(username, user.GetProperty("username").GetString());
        Assert.Equal(1, await CountUsersNamedAsync(Username.Normalize(username)!));
        var tokens = (await (await _client.LoginAsync(username)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        Assert.Equal(username, (await (await _client.UserInfoAsync(tokens.AccessToken)).AssertOkJsonAsync()).GetProperty("username").GetString());
    }

    [Theory]
    [MemberData(nameof(Injections))]
    public async Task SqlInjectionInLoginFieldsLogsNobodyIn(string injection)
    {
        var (_, username, _) = await _client.NewSessionAsync();
        await (await _client.LoginAsync(injection, injection)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await (await _client.LoginAsync(username, injection)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await (await _client.RefreshAsync(injection)).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
        Assert.Equal(0, await CountUsersNamedAsync(Username.Normalize(injection)!));
        Assert.Equal(1, await CountUsersNamedAsync(Username.Normalize(username)!));
    }

    [Fact]
    public async Task PasswordsKeepNulAndControlCharacters()
    {
        var username = ApiClient.NewUsername();
        await (await _client.PostJsonAsync("/user/register", $$"""{"username":"{{username}}","password":"pass\u0000word\u0007\u001b[0m"}""")).AssertOkJsonAsync();
        await (await _client.PostJsonAsync("/user/login", $$"""{"username":"{{username}}","password":"pass"}""")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await (await _client.PostJsonAsync("/user/login", $$"""{"username":"{{username}}","password":"pass\u0000word\u0007\u001b[0m"}""")).AssertOkJsonAsync();
    }

    [Theory]
    [InlineData("""{"username":"bad\u0000name","password":"correct horse"}""")]
    [InlineData("""{"username":"line\nbreak","password":"correct horse"}""")]
    [InlineData("""{"username":"lone\ud800surrogate","password":"correct horse"}""")]
    [InlineData("""{"username":"bidi\u202eeman","password":"correct horse"}""")]
    public async Task UsernamesWithControlCharactersOrLoneSurrogatesAreRefused(string body)
    {
        var response = await _client.PostJsonAsync("/user/register", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task APasswordWithALoneSurrogateIsABadRequest()
    {
        var response = await _client.PostJsonAsync("/user/register", $$"""{"username":"{{ApiClient.NewUsername()}}","password":"correct \ud800 horse"}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task DeeplyNestedJsonIsABadRequest()
    {
        // 10,000 levels are 20 KB: refused by size before any parsing.
        var tenThousand = new string('[', 10_000) + new string(']', 10_000);
        await (await _client.PostJsonAsync("/user/login", tenThousand)).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        // 5,000 levels fit in the size limit and stop at the parser's depth limit (64).
        var fiveThousand = new string('[', 5_000) + new string(']', 5_000);
        foreach (var body in new[] { fiveThousand, $$"""{"username":{{fiveThousand}},"password":"x"}""" })
        {
            var response = await _client.PostJsonAsync("/user/login", body);
            await response.AssertProblemAsync(HttpStatusCode.BadRequest, "malformed_request");
        }
    }

    [Theory]
    [InlineData("/user/register")]
    [InlineData("/user/login")]
    [InlineData("/user/refresh")]
    [InlineData("/user/token")]
    public async Task ABodyOver16KilobytesIsRefusedBeforeParsing(string path)
    {
        var body = $$"""{"username":"{{new string('a', 17 * 1024)}}","password":"correct horse"}""";
        var response = await _client.PostJsonAsync(path, body);
        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task APasswordOver1024BytesIsRefusedOnLoginToo()
    {
        var (_, username, _) = await _client.NewSessionAsync();
        var response = await _client.LoginAsync(username, new string('p', 1025));
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task UnicodeNormalisationIsTheSameOnRegisterAndLogin()
    {
        var username = $"ｎｏｒｍ{Guid.NewGuid():N}"[..16];
        await (await _client.RegisterAsync(username, "ma\u00F1ana-password")).AssertOkJsonAsync();
        await (await _client.LoginAsync(username.Normalize(NormalizationForm.FormKC).ToUpperInvariant(), "man\u0303ana-password")).AssertOkJsonAsync();
    }
}
