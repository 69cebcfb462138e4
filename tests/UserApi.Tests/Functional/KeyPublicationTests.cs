using System.Net;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using UserApi.Tests.Support;

namespace UserApi.Tests.Functional;

/// <summary>GET /.well-known/jwks.json and /.well-known/openid-configuration (issue 26).</summary>
public sealed class KeyPublicationTests(Es256Backend app) : IClassFixture<Es256Backend>
{
    private const string Issuer = "https://auth.example.com";

    private readonly HttpClient _client = app.CreateClient();

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var body = await response.AssertOkJsonAsync();
        // Public and cacheable, for less time than README's rotation waits (15 minutes).
        Assert.Equal("public, max-age=300", response.Headers.CacheControl?.ToString());
        Assert.False(response.Headers.Contains("Pragma"));
        return body;
    }

    [Fact]
    public async Task TheJwksHoldsEveryKeyOfTheRingWithPublicMembersOnly()
    {
        var keys = (await GetJsonAsync(_client, "/.well-known/jwks.json")).GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(["k1", "k2"], keys.Select(k => k.GetProperty("kid").GetString()));
        foreach (var (key, ecdsa) in keys.Zip([app.Signer, app.VerifyOnly]))
        {
            Assert.Equal(["kty", "kid", "use", "alg", "crv", "x", "y"], key.EnumerateObject().Select(p => p.Name));
            Assert.Equal("EC", key.GetProperty("kty").GetString());
            Assert.Equal("sig", key.GetProperty("use").GetString());
            Assert.Equal("ES256", key.GetProperty("alg").GetString());
            Assert.Equal("P-256", key.GetProperty("crv").GetString());
            var q = ecdsa.ExportParameters(false).Q;
            Assert.Equal(Base64UrlEncoder.Encode(q.X), key.GetProperty("x").GetString());
            Assert.Equal(Base64UrlEncoder.Encode(q.Y), key.GetProperty("y").GetString());
        }
    }

    [Fact]
    public async Task ATokenVerifiesWithNothingButTheJwks()
    {
        var token = (await _client.NewSessionAsync()).Tokens.AccessToken;
        var jwks = new JsonWebKeySet(await _client.GetStringAsync("/.well-known/jwks.json"));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKeys = jwks.GetSigningKeys(),
            ValidAlgorithms = ["ES256"],
            ValidIssuer = "user-api",
            ValidAudience = "user-api",
            ValidTypes = ["at+jwt"],
            ValidateLifetime = false,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
    }

    [Fact]
    public async Task DiscoveryPointsAtTheKeysFromTheConfiguredIssuerNeverTheHostHeader()
    {
        using var server = app.WithSettings(("Auth:Issuer", Issuer + "/"));
        var client = server.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/openid-configuration");
        request.Headers.Host = "attacker.example";
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(Issuer + "/", document.GetProperty("issuer").GetString());
        Assert.Equal(Issuer + "/.well-known/jwks.json", document.GetProperty("jwks_uri").GetString());
        Assert.Equal(["ES256"], document.GetProperty("id_token_signing_alg_values_supported").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(Issuer + "/token/introspect", document.GetProperty("introspection_endpoint").GetString());
        Assert.Equal(["client_secret_basic"], document.GetProperty("introspection_endpoint_auth_methods_supported").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("public, max-age=300", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task WithoutAnIssuerUrlThereIsNoDiscovery()
    {
        var response = await _client.GetAsync("/.well-known/openid-configuration");
        await response.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task OtherRoutesStayUncacheable()
    {
        var response = await _client.PostJsonAsync("/user/login", """{"username":"nobody-here","password":"whatever-password"}""");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }
}

/// <summary>The JWKS in the other two modes: RSA's public members only; nothing at all for HS256's secrets.</summary>
public sealed class KeyPublicationModeTests(Rs256Backend rs256) : IClassFixture<Rs256Backend>
{
    [Fact]
    public async Task AnRsaKeyIsPublishedWithNAndEOnly()
    {
        var body = JsonDocument.Parse(await rs256.CreateClient().GetStringAsync("/.well-known/jwks.json")).RootElement;
        var key = Assert.Single(body.GetProperty("keys").EnumerateArray().ToList());
        Assert.Equal(["kty", "kid", "use", "alg", "n", "e"], key.EnumerateObject().Select(p => p.Name));
        Assert.Equal("RSA", key.GetProperty("kty").GetString());
        Assert.Equal("RS256", key.GetProperty("alg").GetString());
        Assert.Equal(Base64UrlEncoder.Encode(rs256.Signer.ExportParameters(false).Modulus), key.GetProperty("n").GetString());
    }

    [Fact]
    public async Task Hs256ModePublishesAnEmptySet()
    {
        await using var hs256 = new EmbeddedBackend();
        var response = await hs256.CreateClient().GetAsync("/.well-known/jwks.json");
        Assert.Equal("""{"keys":[]}""", await response.Content.ReadAsStringAsync());
    }
}
