using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using UserApi.Tests.Support;

namespace UserApi.Tests.Interop;

/// <summary>
/// UserApi as a process in ES256 mode, its YAML file and keys in a directory of its own, its issuer its own
/// base URL (so consumers discover it): what a downstream service or a non-.NET verifier talks to.
/// </summary>
public sealed class UserApiProcess : IAsyncDisposable
{
    private readonly KeyFiles _files = new();
    private ServiceProcess? _service;

    public int Port { get; } = ServiceProcess.FreePort();

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public string JwksUrl => BaseUrl + "/.well-known/jwks.json";

    public HttpClient Client { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public KeyFiles Keys => _files;

    public int ProcessId => _service!.Id;

    public static async Task<UserApiProcess> StartAsync()
    {
        var userApi = new UserApiProcess();
        userApi.Keys.NewEcdsa("k1.pem").Dispose();
        userApi.WriteConfig("k1");
        userApi._service = ServiceProcess.Start(["-f", userApi.Keys.Path("user-api.yaml")],
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" }, userApi.Keys.Directory);
        await userApi._service.WaitUntilHealthyAsync(userApi.BaseUrl + "/healthz", TimeSpan.FromSeconds(60));
        userApi.Client.BaseAddress = new Uri(userApi.BaseUrl);
        return userApi;
    }

    /// <summary>The YAML file with <paramref name="kids"/> as the ring, the first signing.</summary>
    public void WriteConfig(params string[] kids)
    {
        var ring = string.Concat(kids.Select(kid => $"    - Kid: {kid}\n      Path: {Keys.Path(kid + ".pem")}\n"));
        var yaml = $"""
            Host: 127.0.0.1
            Port: {Port}
            DataSource: sqlite:{Keys.Path("users.db")}
            Auth:
              Algorithm: ES256
              Issuer: {BaseUrl}
              AccessSecret: interop-tests-access-secret-{Convert.ToHexString(RandomNumberGenerator.GetBytes(16))}
              RefreshSecret: interop-tests-refresh-secret-{Convert.ToHexString(RandomNumberGenerator.GetBytes(16))}
              SigningKeys:

            """ + ring;
        // Written aside and renamed into place, as README says, so the watcher never reads it half-written.
        File.WriteAllText(Keys.Path("user-api.yaml.tmp"), yaml);
        File.Move(Keys.Path("user-api.yaml.tmp"), Keys.Path("user-api.yaml"), overwrite: true);
    }

    /// <summary><c>kill -HUP</c>: read the configuration and the keys again.</summary>
    public async Task SignalReloadAsync()
    {
        using var kill = Process.Start("kill", ["-HUP", ProcessId.ToString()]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    public async Task<IReadOnlyList<string?>> PublishedKidsAsync() =>
        [.. JsonDocument.Parse(await Client.GetStringAsync("/.well-known/jwks.json")).RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString())];

    /// <summary>A new user's tokens, over HTTP.</summary>
    public async Task<(string Access, string Refresh)> NewSessionAsync()
    {
        var username = ApiClient.NewUsername("interop");
        (await Client.PostAsJsonAsync("/user/register", new { username, password = ApiClient.Password })).EnsureSuccessStatusCode();
        var login = await Client.PostAsJsonAsync("/user/login", new { username, password = ApiClient.Password });
        var body = JsonDocument.Parse(await login.EnsureSuccessStatusCode().Content.ReadAsStringAsync()).RootElement;
        return (body.GetProperty("accessToken").GetString()!, body.GetProperty("refreshToken").GetString()!);
    }

    public string Output => _service?.Output ?? "";

    public async ValueTask DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }
        Client.Dispose();
        _files.Dispose();
    }
}
