using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using UserApi.Configuration;
using UserApi.Hosting;
using UserApi.Tests.Support;
using UserApi.Tokens;

namespace UserApi.Tests.Tokens;

/// <summary>
/// README's rotation, on a running service whose keys are listed in its YAML file: publish the next key as
/// verify-only, make it the signer, drop the old one. No restart: each step is an edit of the file and a reload
/// (what SIGHUP does; the file watcher does the same by itself, tested below).
/// </summary>
public sealed class KeyRotationTests : IDisposable
{
    private readonly RotatingBackend _app = new();
    private readonly HttpClient _client;

    public KeyRotationTests()
    {
        _app.Keys.NewEcdsa("k1.pem").Dispose();
        _app.Keys.NewEcdsa("k2.pem").Dispose();
        _app.WriteRing("k1");
        _client = _app.CreateClient();
    }

    public void Dispose() => _app.Dispose();

    private void Reload() => ReloadSignal.Reload(_app.Services.GetRequiredService<IConfiguration>(), _app.Services.GetRequiredService<SigningKeys>());

    private async Task<IReadOnlyList<string?>> PublishedKidsAsync() =>
        [.. JsonDocument.Parse(await _client.GetStringAsync("/.well-known/jwks.json")).RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString())];

    private static string KidOf(string token) => Jwt.Header(token).GetProperty("kid").GetString()!;

    [Fact]
    public async Task TheNextKeyIsPublishedThenSignsThenTheOldOneIsDroppedWithoutARestart()
    {
        var (_, _, first) = await _client.NewSessionAsync();
        Assert.Equal("k1", KidOf(first.AccessToken));

        // 1. Publish k2 as a verify-only key: consumers fetch it before any token carries it.
        _app.WriteRing("k1", "k2");
        Reload();
        Assert.Equal(["k1", "k2"], await PublishedKidsAsync());
        Assert.Equal("k1", KidOf((await _client.NewSessionAsync()).Tokens.AccessToken));

        // 2. k2 signs; k1's tokens stay valid.
        _app.WriteRing("k2", "k1");
        Reload();
        var (_, _, second) = await _client.NewSessionAsync();
        Assert.Equal("k2", KidOf(second.AccessToken));
        await (await _client.UserInfoAsync(first.AccessToken)).AssertOkJsonAsync();
        await (await _client.UserInfoAsync(second.AccessToken)).AssertOkJsonAsync();
        // A refresh of a session that started under k1 yields a k2 token.
        var refreshed = await (await _client.RefreshAsync(first.RefreshToken)).AssertOkJsonAsync();
        var firstRefreshed = refreshed.GetProperty("accessToken").GetString()!;
        Assert.Equal("k2", KidOf(firstRefreshed));

        // 3. Drop k1 (README: after the longest access-token lifetime). A k1 token left is refused at once,
        // although the service validated and remembered it before.
        _app.WriteRing("k2");
        Reload();
        Assert.Equal(["k2"], await PublishedKidsAsync());
        await (await _client.UserInfoAsync(first.AccessToken)).AssertInvalidTokenAsync();
        await (await _client.UserInfoAsync(second.AccessToken)).AssertOkJsonAsync();
        await (await _client.UserInfoAsync(firstRefreshed)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task AnEditOfTheFileIsPickedUpByItself()
    {
        _app.WriteRing("k1", "k2");
        await Poll.UntilAsync(async () => (await PublishedKidsAsync()).Count == 2, TimeSpan.FromSeconds(15));
        Assert.Equal(["k1", "k2"], await PublishedKidsAsync());
    }

    [Fact]
    public async Task AReplacedKeyFileIsPickedUpByItself()
    {
        var before = JsonDocument.Parse(await _client.GetStringAsync("/.well-known/jwks.json")).RootElement.GetProperty("keys")[0].GetProperty("x").GetString();
        // Written aside, then renamed into place: how a key file should be replaced.
        _app.Keys.NewEcdsa("k1.next.pem").Dispose();
        File.Move(_app.Keys.Path("k1.next.pem"), _app.Keys.Path("k1.pem"), overwrite: true);
        await Poll.UntilAsync(async () =>
            JsonDocument.Parse(await _client.GetStringAsync("/.well-known/jwks.json")).RootElement.GetProperty("keys")[0].GetProperty("x").GetString() != before,
            TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task ABrokenRingKeepsTheOneInUse()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        _app.WriteRing("k1", "missing");
        Reload();
        File.WriteAllText(_app.YamlPath, "Auth: [this is not: valid yaml");
        Reload();
        // A file seen empty (half-written, or removed for a moment) would mean the default HS256, which the
        // environment's secrets make a valid ring: switching algorithms takes a restart.
        File.WriteAllText(_app.YamlPath, "");
        Reload();
        await Task.Delay(1000);
        Assert.Equal(["k1"], await PublishedKidsAsync());
        await (await _client.UserInfoAsync(tokens.AccessToken)).AssertOkJsonAsync();
        Assert.Equal("k1", KidOf((await _client.NewSessionAsync()).Tokens.AccessToken));
    }

    /// <summary>Embedded mode whose Auth.Algorithm and Auth.SigningKeys are in a YAML file the test rewrites.</summary>
    private sealed class RotatingBackend : KeyRingBackend
    {
        public string YamlPath => Keys.Path("user-api.yaml");

        public void WriteRing(params string[] kids) => File.WriteAllText(YamlPath,
            "Auth:\n  Algorithm: ES256\n  SigningKeys:\n" + string.Concat(kids.Select(kid => $"    - Kid: {kid}\n      Path: {Keys.Path(kid + ".pem")}\n")));

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureAppConfiguration(configuration => configuration.AddYamlFile(YamlPath, reloadOnChange: true));
        }
    }
}
