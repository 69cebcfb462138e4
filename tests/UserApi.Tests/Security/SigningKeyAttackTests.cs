using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;
using UserApi.Tests.Support;

namespace UserApi.Tests.Security;

/// <summary>
/// The attacks on asymmetric access tokens (issue 26; RFC 8725 §2.1, §3.1, §3.10), against a service in ES256
/// mode: each forged token is a 401 token_invalid. The controls prove the forging itself is sound: the same
/// claims signed with a key of the ring pass.
/// </summary>
public sealed class SigningKeyAttackTests(Es256Backend app) : IClassFixture<Es256Backend>
{
    private readonly HttpClient _client = app.CreateClient();

    private async Task<string> AccessTokenAsync() => (await _client.NewSessionAsync()).Tokens.AccessToken;

    private static JsonObject HeaderOf(string token) => JsonNode.Parse(Base64UrlEncoder.Decode(token.Split('.')[0]))!.AsObject();

    private static JsonObject PayloadOf(string token) => JsonNode.Parse(Base64UrlEncoder.Decode(token.Split('.')[1]))!.AsObject();

    private static string SignEs256(ECDsa key, string kid, JsonObject payload, Action<JsonObject>? header = null)
    {
        var h = new JsonObject { ["alg"] = "ES256", ["kid"] = kid, ["typ"] = "at+jwt" };
        header?.Invoke(h);
        return Jwt.Sign(h, payload, input => key.SignData(input, HashAlgorithmName.SHA256));
    }

    private static string SignHs256(byte[] secret, string kid, JsonObject payload) =>
        Jwt.Sign(new JsonObject { ["alg"] = "HS256", ["kid"] = kid, ["typ"] = "at+jwt" }, payload, input => HMACSHA256.HashData(secret, input));

    private async Task AssertRefusedAsync(string token) => await (await _client.UserInfoAsync(token)).AssertInvalidTokenAsync();

    [Fact]
    public async Task IssuedTokensAreEs256AndNameTheSigningKey()
    {
        var header = HeaderOf(await AccessTokenAsync());
        Assert.Equal("ES256", header["alg"]!.GetValue<string>());
        Assert.Equal("k1", header["kid"]!.GetValue<string>());
    }

    [Fact]
    public async Task TokensSignedByTheSignerOrAVerifyOnlyKeyAreAccepted()
    {
        var payload = PayloadOf(await AccessTokenAsync());
        await (await _client.UserInfoAsync(SignEs256(app.Signer, "k1", payload))).AssertOkJsonAsync();
        await (await _client.UserInfoAsync(SignEs256(app.VerifyOnly, "k2", payload))).AssertOkJsonAsync();
    }

    /// <summary>The classic confusion: the public key, which anyone may fetch, used as an HMAC secret.</summary>
    [Fact]
    public async Task AnHs256TokenSignedWithThePublicKeyIsRefused()
    {
        var payload = PayloadOf(await AccessTokenAsync());
        var pem = app.Signer.ExportSubjectPublicKeyInfoPem();
        var der = app.Signer.ExportSubjectPublicKeyInfo();
        var parameters = app.Signer.ExportParameters(false);
        var jwk = $$"""{"kty":"EC","crv":"P-256","x":"{{Base64UrlEncoder.Encode(parameters.Q.X)}}","y":"{{Base64UrlEncoder.Encode(parameters.Q.Y)}}","kid":"k1","use":"sig","alg":"ES256"}""";
        foreach (var secret in new[] { Encoding.UTF8.GetBytes(pem), Encoding.UTF8.GetBytes(pem + "\n"), der, Encoding.UTF8.GetBytes(jwk) })
        {
            await AssertRefusedAsync(SignHs256(secret, "k1", payload));
        }
    }

    /// <summary>CVE-2022-21449: a verifier that accepts r = s = 0 accepts every message.</summary>
    [Fact]
    public async Task AnAllZeroEs256SignatureIsRefused()
    {
        var token = SignEs256(app.Signer, "k1", PayloadOf(await AccessTokenAsync()));
        var parts = token.Split('.');
        await AssertRefusedAsync($"{parts[0]}.{parts[1]}.{Base64UrlEncoder.Encode(new byte[64])}");
        // The same zeros in DER form, as some libraries accept them.
        await AssertRefusedAsync($"{parts[0]}.{parts[1]}.{Base64UrlEncoder.Encode([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00])}");
    }

    [Fact]
    public async Task AnUnknownKidIsRefused()
    {
        var payload = PayloadOf(await AccessTokenAsync());
        using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await AssertRefusedAsync(SignEs256(attacker, "k9", payload));
        // The right key under a name the ring does not have: a kid must name its key exactly.
        await AssertRefusedAsync(SignEs256(app.Signer, "k9", payload));
        await AssertRefusedAsync(SignEs256(app.Signer, "K1", payload));
        // And a key of the ring under the other key's name.
        await AssertRefusedAsync(SignEs256(app.Signer, "k2", payload));
    }

    [Fact]
    public async Task ATokenWithoutAKidIsRefused()
    {
        await AssertRefusedAsync(SignEs256(app.Signer, "k1", PayloadOf(await AccessTokenAsync()), header: h => h.Remove("kid")));
    }

    [Fact]
    public async Task ARetiredKidIsRefused()
    {
        await AssertRefusedAsync(SignEs256(app.Retired, "k0", PayloadOf(await AccessTokenAsync())));
    }

    [Theory]
    [InlineData("jwk")]
    [InlineData("jku")]
    [InlineData("x5u")]
    [InlineData("x5c")]
    [InlineData("x5t")]
    public async Task KeyCarryingHeadersAreRefusedEvenWhenSignedByTheRing(string parameter)
    {
        using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var q = attacker.ExportParameters(false).Q;
        JsonNode value = parameter switch
        {
            "jwk" => new JsonObject { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = Base64UrlEncoder.Encode(q.X), ["y"] = Base64UrlEncoder.Encode(q.Y) },
            "x5c" => new JsonArray("MIIB"),
            "x5t" => "AAAA",
            _ => "http://127.0.0.1:9/keys.json",
        };
        var payload = PayloadOf(await AccessTokenAsync());
        await AssertRefusedAsync(SignEs256(app.Signer, "k1", payload, header: h => h[parameter] = value.DeepClone()));
        await AssertRefusedAsync(SignEs256(attacker, "k1", payload, header: h => h[parameter] = value.DeepClone()));
    }

    [Fact]
    public async Task AnRs256TokenIsRefusedWhenEs256IsConfigured()
    {
        var payload = PayloadOf(await AccessTokenAsync());
        using var rsa = RSA.Create(2048);
        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = "k1", ["typ"] = "at+jwt" };
        await AssertRefusedAsync(Jwt.Sign(header, payload, input => rsa.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)));
        // ES384 with the ring's own key and kid: still not the one algorithm.
        var es384 = new JsonObject { ["alg"] = "ES384", ["kid"] = "k1", ["typ"] = "at+jwt" };
        await AssertRefusedAsync(Jwt.Sign(es384, payload, input => app.Signer.SignData(input, HashAlgorithmName.SHA384)));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("None")]
    public async Task AlgNoneIsRefused(string alg)
    {
        var token = await AccessTokenAsync();
        await AssertRefusedAsync(Jwt.Edit(token, header: h => h["alg"] = alg, signature: ""));
        await AssertRefusedAsync(Jwt.Edit(token, header: h => h["alg"] = alg));
    }

    [Fact]
    public async Task AnHs256TokenSignedWithTheAccessSecretIsRefusedInEs256Mode()
    {
        // The shared secret no longer signs access tokens: a holder of it (a go-zero service) cannot mint one.
        var payload = PayloadOf(await AccessTokenAsync());
        await AssertRefusedAsync(SignHs256(Encoding.UTF8.GetBytes(UserApiFactory.AccessSecret), "k1", payload));
        await AssertRefusedAsync(Jwt.Sign(new JsonObject { ["alg"] = "HS256", ["typ"] = "at+jwt" }, payload,
            input => HMACSHA256.HashData(Encoding.UTF8.GetBytes(UserApiFactory.AccessSecret), input)));
    }

    [Fact]
    public async Task RefreshStillWorksAndYieldsEs256AccessTokens()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        var refreshed = await (await _client.RefreshAsync(tokens.RefreshToken)).AssertOkJsonAsync();
        var access = refreshed.GetProperty("accessToken").GetString()!;
        Assert.Equal("ES256", HeaderOf(access)["alg"]!.GetValue<string>());
        Assert.Equal("HS256", HeaderOf(tokens.RefreshToken)["alg"]!.GetValue<string>());
        await (await _client.UserInfoAsync(access)).AssertOkJsonAsync();
    }
}

/// <summary>RS256 mode: its tokens verify, and the ES256 and HMAC confusions are refused.</summary>
public sealed class Rs256SigningKeyTests(Rs256Backend app) : IClassFixture<Rs256Backend>
{
    private readonly HttpClient _client = app.CreateClient();

    [Fact]
    public async Task IssuedTokensAreRs256AndVerify()
    {
        var token = (await _client.NewSessionAsync()).Tokens.AccessToken;
        Assert.Equal("RS256", Jwt.Header(token).GetProperty("alg").GetString());
        Assert.Equal("r1", Jwt.Header(token).GetProperty("kid").GetString());
        await (await _client.UserInfoAsync(token)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task TheRsaPublicKeyAsAnHmacSecretOrAnEs256SignatureIsRefused()
    {
        var token = (await _client.NewSessionAsync()).Tokens.AccessToken;
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(token.Split('.')[1]))!.AsObject();
        foreach (var secret in new[] { Encoding.UTF8.GetBytes(app.Signer.ExportSubjectPublicKeyInfoPem()), app.Signer.ExportSubjectPublicKeyInfo(), app.Signer.ExportRSAPublicKey() })
        {
            var forged = Jwt.Sign(new JsonObject { ["alg"] = "HS256", ["kid"] = "r1", ["typ"] = "at+jwt" }, payload, input => HMACSHA256.HashData(secret, input));
            await (await _client.UserInfoAsync(forged)).AssertInvalidTokenAsync();
        }
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var es256 = Jwt.Sign(new JsonObject { ["alg"] = "ES256", ["kid"] = "r1", ["typ"] = "at+jwt" }, payload, input => ecdsa.SignData(input, HashAlgorithmName.SHA256));
        await (await _client.UserInfoAsync(es256)).AssertInvalidTokenAsync();
        // PS256 with the ring's own key: RSA, but not the one algorithm.
        var ps256 = Jwt.Sign(new JsonObject { ["alg"] = "PS256", ["kid"] = "r1", ["typ"] = "at+jwt" }, payload, input => app.Signer.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
        await (await _client.UserInfoAsync(ps256)).AssertInvalidTokenAsync();
    }
}
