using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using UserApi.Accounts;
using UserApi.Tests.Passwords;
using UserApi.Tests.Support;
using UserApi.Users;

namespace UserApi.Tests.Functional;

/// <summary>
/// Users brought over from another system (<c>user-api import</c>'s use case) with their hashes as they
/// are: they log in with their old passwords, and that login leaves an Argon2id hash behind.
/// </summary>
public sealed class ImportTests(EmbeddedBackend app) : IClassFixture<EmbeddedBackend>
{
    private readonly HttpClient _client = app.CreateClient();

    private UserImport Import => app.Services.GetRequiredService<UserImport>();

    [Theory]
    [InlineData(ImportedPasswordHashesTests.GoBcrypt, ImportedPasswordHashesTests.GoBcryptPassword)]
    [InlineData(ImportedPasswordHashesTests.IdentityV2, ImportedPasswordHashesTests.IdentityPassword)]
    [InlineData(ImportedPasswordHashesTests.IdentityV3Sha256, ImportedPasswordHashesTests.IdentityPassword)]
    [InlineData(ImportedPasswordHashesTests.IdentityV3Sha512, ImportedPasswordHashesTests.IdentityPassword)]
    public async Task LoginWithAnImportedHashUpgradesItToArgon2id(string hash, string password)
    {
        var username = ApiClient.NewUsername("imported");
        var imported = await ImportOneAsync(new ImportedUser(null, username, hash, null, null));

        var tokens = await (await _client.LoginAsync(username, password)).AssertOkJsonAsync();
        Assert.StartsWith("$argon2id$", await StoredHashAsync(username));

        // The old password goes on working against the new hash, and nothing else does.
        await (await _client.LoginAsync(username, password)).AssertOkJsonAsync();
        await (await _client.LoginAsync(username, password + "x")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        var info = await (await _client.UserInfoAsync(tokens.GetProperty("accessToken").GetString()!)).AssertOkJsonAsync();
        Assert.Equal(imported.Id, info.GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task AWrongPasswordLeavesTheImportedHashAsItIs()
    {
        var username = ApiClient.NewUsername("imported");
        await ImportOneAsync(new ImportedUser(null, username, ImportedPasswordHashesTests.GoBcrypt, null, null));
        await (await _client.LoginAsync(username, "not the password")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Equal(ImportedPasswordHashesTests.GoBcrypt, await StoredHashAsync(username));
    }

    [Fact]
    public async Task AnImportedUserKeepsItsIdAndRoleAndLaterUsersAreNumberedPastIt()
    {
        var id = ImportedId(1);
        var username = ApiClient.NewUsername("imported");
        await ImportOneAsync(new ImportedUser(id, username, ImportedPasswordHashesTests.GoBcrypt, "admin", null));

        var tokens = (await (await _client.LoginAsync(username, ImportedPasswordHashesTests.GoBcryptPassword)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        var info = await (await _client.UserInfoAsync(tokens.AccessToken)).AssertOkJsonAsync();
        Assert.Equal(id, info.GetProperty("id").GetInt64());
        Assert.Equal("admin", info.GetProperty("role").GetString());
        Assert.Equal(id, Jwt.Payload(tokens.AccessToken).GetProperty("userId").GetInt64());

        var registered = await (await _client.RegisterAsync(ApiClient.NewUsername())).AssertOkJsonAsync();
        Assert.True(registered.GetProperty("id").GetInt64() > id);
    }

    [Fact]
    public async Task AnImportedDisabledUserCannotLogIn()
    {
        var username = ApiClient.NewUsername("imported");
        await ImportOneAsync(new ImportedUser(null, username, ImportedPasswordHashesTests.GoBcrypt, null, true));
        await (await _client.LoginAsync(username, ImportedPasswordHashesTests.GoBcryptPassword)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
    }

    [Fact]
    public async Task ChangingThePasswordAcceptsTheImportedOneAsTheOldPassword()
    {
        var username = ApiClient.NewUsername("imported");
        await ImportOneAsync(new ImportedUser(null, username, ImportedPasswordHashesTests.IdentityV3Sha256, null, null));
        var tokens = (await (await _client.LoginAsync(username, ImportedPasswordHashesTests.IdentityPassword)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        var change = await _client.PostJsonAsync("/user/password",
            JsonSerializer.Serialize(new { oldPassword = ImportedPasswordHashesTests.IdentityPassword, newPassword = ApiClient.Password }), tokens.AccessToken);
        Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        await (await _client.LoginAsync(username)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task AnImportReportsEveryLineItDidNotImportWithoutItsHash()
    {
        var first = ApiClient.NewUsername("imported");
        var id = ImportedId(2);
        string Line(object user) => JsonSerializer.Serialize(user);
        var lines = new[]
        {
            Line(new { id, username = first, passwordHash = ImportedPasswordHashesTests.GoBcrypt, role = "user" }),
            "",
            Line(new { username = first.ToUpperInvariant(), passwordHash = ImportedPasswordHashesTests.IdentityV2 }),
            """{"username": "broken", "passwordHash": "$2a$10$Xajj""",
            Line(new { username = ApiClient.NewUsername() }),
            Line(new { username = ApiClient.NewUsername(), passwordHash = "5f4dcc3b5aa765d61d8327deb882cf99" }),
            Line(new { id, username = ApiClient.NewUsername(), passwordHash = ImportedPasswordHashesTests.GoBcrypt }),
            Line(new { username = ApiClient.NewUsername(), passwordHash = ImportedPasswordHashesTests.GoBcrypt, role = "anonymous" }),
            Line(new { id = "not a number", username = ApiClient.NewUsername(), passwordHash = ImportedPasswordHashesTests.GoBcrypt }),
            "[1, 2]",
        };
        var report = new StringWriter();

        var summary = await Import.ImportJsonLinesAsync(new StringReader(string.Join('\n', lines)), report, CancellationToken.None);

        Assert.Equal(new ImportSummary(Imported: 1, AlreadyPresent: 1, Refused: 7), summary);
        var reported = report.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            ["line 3: already present", "line 4: refused", "line 5: refused", "line 6: refused", "line 7: refused", "line 8: refused", "line 9: refused", "line 10: refused"],
            reported.Select(r => string.Join(':', r.Split(':')[..2])));
        Assert.Contains("passwordHash is required", reported[2]);
        Assert.Contains("passwordHash must be", reported[3]);
        Assert.Contains("user id belongs to another user", reported[4]);
        Assert.Contains("role must be", reported[5]);
        Assert.DoesNotContain("Xajj", report.ToString());
        Assert.DoesNotContain("AAABAgME", report.ToString());
        await (await _client.LoginAsync(first, ImportedPasswordHashesTests.GoBcryptPassword)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task ImportingTheSameUsersAgainAddsNothing()
    {
        var input = string.Join('\n', Enumerable.Range(0, 3).Select(_ =>
            JsonSerializer.Serialize(new { username = ApiClient.NewUsername("imported"), passwordHash = ImportedPasswordHashesTests.GoBcrypt })));
        Assert.Equal(new ImportSummary(3, 0, 0), await Import.ImportJsonLinesAsync(new StringReader(input), TextWriter.Null, CancellationToken.None));
        Assert.Equal(new ImportSummary(0, 3, 0), await Import.ImportJsonLinesAsync(new StringReader(input), TextWriter.Null, CancellationToken.None));
    }

    [Fact]
    public async Task AnArgon2idHashOverTheCostCapIsRefusedAtImport()
    {
        var username = ApiClient.NewUsername("imported");
        var result = await Import.ImportAsync(
            new ImportedUser(null, username, ImportedPasswordHashesTests.Argon2id("m=4194304,t=50,p=1"), null, null), CancellationToken.None);

        Assert.Equal("validation_failed", result.Failure?.Code);
        var problem = Assert.Single(result.Failure!.Errors!["passwordHash"]);
        Assert.Contains("m ≤ 65536, t ≤ 10, p ≤ 8", problem);
        Assert.Null(await app.Services.GetRequiredService<IUserStore>().FindByUsernameAsync(Username.Normalize(username)!, CancellationToken.None));
    }

    /// <summary>
    /// Ids above every other test's: later users of the class's table are numbered past an imported id, and a
    /// band per test keeps two tests' imported ids apart.
    /// </summary>
    private static long ImportedId(int band) => band * 10_000_000_000_000L + RandomNumberGenerator.GetInt32(1, int.MaxValue);

    private async Task<User> ImportOneAsync(ImportedUser user)
    {
        var result = await Import.ImportAsync(user, CancellationToken.None);
        Assert.Null(result.Failure);
        return result.Value!;
    }

    private async Task<string> StoredHashAsync(string username)
    {
        var users = app.Services.GetRequiredService<IUserStore>();
        var user = await users.FindByUsernameAsync(Username.Normalize(username)!, CancellationToken.None);
        return (await users.ReadCredentialsAsync(user!.Id, CancellationToken.None))!.PasswordHash;
    }
}
