using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CsCheck;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using UserApi.Sessions;
using UserApi.Tests.Support;
using UserApi.Users;

namespace UserApi.Tests.Security;

/// <summary>
/// Property-based robustness (CsCheck): thousands of random and mutated requests (bodies, tokens, content
/// types) at every endpoint. Properties: no 5xx ever; every error is problem+json; users appear only
/// through successful registrations and sessions only through successful logins.
/// </summary>
public sealed class FuzzTests(EmbeddedBackend app) : IClassFixture<EmbeddedBackend>, IDisposable
{
    private const int Iterations = 3000;

    /// <summary>A user table of the run's own, so that counts are exact.</summary>
    private readonly string _databasePath = UserApiFactory.NewTemporaryPath(".db");

    private static readonly (HttpMethod Method, string Path)[] Endpoints =
    [
        (HttpMethod.Post, "/user/register"), (HttpMethod.Post, "/user/login"), (HttpMethod.Post, "/user/refresh"),
        (HttpMethod.Post, "/user/token"), (HttpMethod.Get, "/user/info"), (HttpMethod.Post, "/user/info"),
        (HttpMethod.Post, "/user/logout"), (HttpMethod.Post, "/user/logout/all"), (HttpMethod.Get, "/user/sessions"),
        (HttpMethod.Delete, "/user/sessions/"), (HttpMethod.Post, "/user/password"), (HttpMethod.Get, "/healthz"),
    ];

    private static readonly string[] ContentTypes = ["application/json", "", "text/plain", "application/json; charset=utf-8", "a/b/c", "application/json; charset=utf-16"];

    private sealed record Fuzz(int Endpoint, int BodyKind, int Mutation, int Position, char Char, int TokenKind, int ContentType, int UserPick, int PasswordPick, string Text);

    private static readonly Gen<Fuzz> Requests =
        Gen.Select(Gen.Int[0, Endpoints.Length - 1], Gen.Int[0, 4], Gen.Int[0, 6], Gen.Int[0, 400], Gen.Char, Gen.Int[0, 5], Gen.Int[0, ContentTypes.Length - 1], Gen.Int[0, 3])
            .Select(Gen.Int[0, 2], Gen.String[0, 60], (a, passwordPick, text) =>
                new Fuzz(a.Item1, a.Item2, a.Item3, a.Item4, a.Item5, a.Item6, a.Item7, a.Item8, passwordPick, text));

    [Fact]
    public async Task RandomAndMutatedRequestsNeverFailTheServerOrWriteWithoutCause()
    {
        using var isolated = app.WithWebHostBuilder(builder => builder.ConfigureAppConfiguration(configuration =>
            configuration.AddInMemoryCollection(
            [
                new("DataSource", $"sqlite:{_databasePath}"),
                new("Security:MaxFailedLoginsPerAccount", "1000000"),
                new("Security:MaxFailedLoginsPerIp", "1000000"),
            ])));
        var client = isolated.CreateClient();

        var seed = ApiClient.NewUsername("seed");
        var seedId = (await (await client.RegisterAsync(seed)).AssertOkJsonAsync()).GetProperty("id").GetInt64();
        var tokens = (await (await client.LoginAsync(seed)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        var userIds = new HashSet<long> { seedId };
        var usersBefore = await CountUsersAsync(isolated);
        var sessionsBefore = await CountSessionsAsync(isolated, userIds);
        var (registered, loggedIn) = (0, 0);

        await Requests.SampleAsync(async fuzz =>
        {
            var (method, path) = Endpoints[fuzz.Endpoint];
            var request = new HttpRequestMessage(method, path.EndsWith('/') ? path + Jwt.Payload(tokens.AccessToken).GetProperty("sid").GetString() : path);
            var body = Body(fuzz, path, seed, seedId, tokens);
            if (body is not null)
            {
                request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
                if (ContentTypes[fuzz.ContentType].Length > 0)
                {
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentTypes[fuzz.ContentType]);
                }
            }
            if (Token(fuzz, tokens) is { } authorization)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode < 500, $"{method} {path} -> {(int)response.StatusCode}: {text}");
            if ((int)response.StatusCode >= 400)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
            if (response.StatusCode == HttpStatusCode.OK && path == "/user/register")
            {
                registered++;
                userIds.Add(JsonDocument.Parse(text).RootElement.GetProperty("id").GetInt64());
            }
            if (response.StatusCode == HttpStatusCode.OK && path == "/user/login")
            {
                loggedIn++;
            }
        }, iter: Iterations, threads: 1, print: f => f.ToString());

        Assert.Equal(usersBefore + registered, await CountUsersAsync(isolated));
        Assert.InRange(await CountSessionsAsync(isolated, userIds), 0, sessionsBefore + loggedIn);
    }

    private static string? Body(Fuzz fuzz, string path, string seed, long seedId, IssuedTokens tokens)
    {
        var username = fuzz.UserPick switch { 0 => seed, 1 => seed.ToUpperInvariant(), 2 => ApiClient.NewUsername("fuzz"), _ => fuzz.Text };
        var password = fuzz.PasswordPick switch { 0 => ApiClient.Password, 1 => "wrong password", _ => fuzz.Text };
        var valid = path switch
        {
            "/user/register" or "/user/login" => JsonSerializer.Serialize(new { username, password }),
            "/user/refresh" => JsonSerializer.Serialize(new { refreshToken = tokens.RefreshToken }),
            "/user/info" => JsonSerializer.Serialize(new { userId = seedId.ToString() }),
            "/user/password" => JsonSerializer.Serialize(new { oldPassword = password, newPassword = fuzz.Text }),
            _ => "{}",
        };
        return fuzz.BodyKind switch
        {
            0 => valid,
            1 => Mutate(valid, fuzz),
            2 => fuzz.Text,
            3 => null,
            _ => JsonSerializer.Serialize(new { username = fuzz.Text, password = fuzz.Text, refreshToken = fuzz.Text, userId = fuzz.Text }),
        };
    }

    private static string? Token(Fuzz fuzz, IssuedTokens tokens) => fuzz.TokenKind switch
    {
        0 => null,
        1 => $"Bearer {tokens.AccessToken}",
        2 => $"Bearer {tokens.RefreshToken}",
        3 => $"Bearer {Mutate(tokens.AccessToken, fuzz)}",
        4 => fuzz.Text,
        _ => Mutate(tokens.AccessToken, fuzz),
    };

    private static string Mutate(string text, Fuzz fuzz)
    {
        var at = fuzz.Position % Math.Max(1, text.Length);
        return fuzz.Mutation switch
        {
            0 => text[..at] + fuzz.Char + text[Math.Min(text.Length, at + 1)..],
            1 => text[..at],
            2 => text[..at] + fuzz.Char + text[at..],
            3 => text.Replace("\"username\"", "\"username\":1,\"username\""),
            4 => text.Replace(":\"", ":[\""),
            5 => text.Replace("\"", ""),
            _ => text + text,
        };
    }

    private static async Task<long> CountUsersAsync(WebApplicationFactory<Program> factory)
    {
        await using var connection = factory.Services.GetRequiredService<SqlDialect>().CreateConnection();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users");
    }

    private static async Task<int> CountSessionsAsync(WebApplicationFactory<Program> factory, IEnumerable<long> userIds)
    {
        var store = factory.Services.GetRequiredService<ISessionStore>();
        var now = DateTimeOffset.UtcNow.AddYears(-1);
        var total = 0;
        foreach (var id in userIds)
        {
            total += (await store.ListAsync(id, now, CancellationToken.None)).Count;
        }
        return total;
    }

    public void Dispose()
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_databasePath + suffix);
        }
    }
}
