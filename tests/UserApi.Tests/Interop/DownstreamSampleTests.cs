using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;
using UserApi.Tests.Support;

namespace UserApi.Tests.Interop;

/// <summary>
/// samples/OrdersApi, a separate ASP.NET Core process that knows nothing of UserApi but its URL: discovery and
/// JWKS only, no secret (issue 26). Each test runs its own pair of processes.
/// </summary>
public sealed class DownstreamSampleTests : IAsyncLifetime
{
    private static readonly string OrdersApiAssembly = typeof(DownstreamSampleTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "OrdersApiAssembly").Value!;

    private UserApiProcess _userApi = null!;
    private ServiceProcess _ordersApi = null!;
    private readonly HttpClient _orders = new() { Timeout = TimeSpan.FromSeconds(30) };

    public async Task InitializeAsync()
    {
        _userApi = await UserApiProcess.StartAsync();
        var port = ServiceProcess.FreePort();
        _ordersApi = ServiceProcess.Start(OrdersApiAssembly,
            ["--urls", $"http://127.0.0.1:{port}", $"--UserApi:Authority={_userApi.BaseUrl}", "--UserApi:AllowHttpMetadata=true"],
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" }, _userApi.Keys.Directory);
        await _ordersApi.WaitUntilHealthyAsync($"http://127.0.0.1:{port}/healthz", TimeSpan.FromSeconds(60));
        _orders.BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public async Task DisposeAsync()
    {
        await _ordersApi.DisposeAsync();
        await _userApi.DisposeAsync();
        _orders.Dispose();
    }

    private Task<HttpResponseMessage> OrdersAsync(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/orders");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return _orders.SendAsync(request);
    }

    private async Task AssertAcceptedAsync(string token, string because)
    {
        var response = await OrdersAsync(token);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{because}: {(int)response.StatusCode} {response.Headers.WwwAuthenticate}\n{_ordersApi.Output}");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(Jwt.Payload(token).GetProperty("sub").GetString(), body.GetProperty("user").GetString());
    }

    private async Task AssertRefusedAsync(string token) =>
        Assert.Equal(HttpStatusCode.Unauthorized, (await OrdersAsync(token)).StatusCode);

    private static JsonObject PayloadOf(string token) => JsonNode.Parse(Base64UrlEncoder.Decode(token.Split('.')[1]))!.AsObject();

    [Fact]
    public async Task AUserApiTokenIsAcceptedAndForgedOnesAreRefused()
    {
        var (access, refresh) = await _userApi.NewSessionAsync();
        await AssertAcceptedAsync(access, "a UserApi access token");

        var payload = PayloadOf(access);
        using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await AssertRefusedAsync(Jwt.Sign(new JsonObject { ["alg"] = "ES256", ["kid"] = "k1", ["typ"] = "at+jwt" }, payload,
            input => attacker.SignData(input, HashAlgorithmName.SHA256)));
        var publicPem = Encoding.UTF8.GetBytes(await File.ReadAllTextAsync(_userApi.Keys.Path("k1.pem")) is var pem ? PublicPem(pem) : "");
        await AssertRefusedAsync(Jwt.Sign(new JsonObject { ["alg"] = "HS256", ["kid"] = "k1", ["typ"] = "at+jwt" }, payload,
            input => HMACSHA256.HashData(publicPem, input)));
        await AssertRefusedAsync(Jwt.Edit(access, header: h => h["alg"] = "none", signature: ""));
        await AssertRefusedAsync(Jwt.Edit(access, payload: p => p["role"] = "admin"));
        // UserApi's refresh tokens are not access tokens (typ rt+jwt, HS256 with a secret OrdersApi never has).
        await AssertRefusedAsync(refresh);
    }

    [Fact]
    public async Task AfterARotationTheNewKeysTokensAreAcceptedWithoutARestart()
    {
        var (before, _) = await _userApi.NewSessionAsync();
        await AssertAcceptedAsync(before, "a token of k1");
        var ordersApiProcess = _ordersApi.Id;

        _userApi.Keys.NewEcdsa("k2.pem").Dispose();
        _userApi.WriteConfig("k2", "k1");
        await _userApi.SignalReloadAsync();
        await Poll.UntilAsync(async () => (await _userApi.PublishedKidsAsync()) is ["k2", "k1"], TimeSpan.FromSeconds(15));

        var (after, _) = await _userApi.NewSessionAsync();
        Assert.Equal("k2", Jwt.Header(after).GetProperty("kid").GetString());
        // OrdersApi has not seen k2: the first token naming it makes its handler fetch the keys again.
        await Poll.UntilAsync(async () => (await OrdersAsync(after)).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30));
        await AssertAcceptedAsync(after, "a token of k2 after the rotation");
        await AssertAcceptedAsync(before, "a token of k1, still in the ring");
        Assert.Equal(ordersApiProcess, _ordersApi.Id);
        Assert.DoesNotContain("Signing keys not reloaded", _userApi.Output);
    }

    private static string PublicPem(string privatePem)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(privatePem);
        return key.ExportSubjectPublicKeyInfoPem();
    }
}
