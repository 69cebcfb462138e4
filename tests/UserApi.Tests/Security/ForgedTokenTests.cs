using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using UserApi.Tests.Support;
using UserApi.Accounts;

namespace UserApi.Tests.Security;

/// <summary>
/// Forged and malformed access tokens (RFC 8725, the OWASP JWT cheat sheet): each one is a 401 with the
/// invalid_token challenge and the generic token_invalid body. Many are signed with the service's real
/// access secret, to prove the refusal comes from the check named, not from a bad signature.
/// </summary>
public sealed class ForgedTokenTests(EmbeddedBackend app) : IClassFixture<EmbeddedBackend>
{
    private readonly HttpClient _client = app.CreateClient();

    private const string Secret = UserApiFactory.AccessSecret;

    private async Task<string> AccessTokenAsync() => (await _client.NewSessionAsync()).Tokens.AccessToken;

    private async Task AssertRefusedAsync(string token)
    {
        await (await _client.UserInfoAsync(token)).AssertInvalidTokenAsync();
        await (await _client.PostJsonAsync("/user/info", """{"userId":"1"}""", token)).AssertInvalidTokenAsync();
    }

    [Fact]
    public async Task ARealTokenReSignedWithTheRealSecretIsAccepted()
    {
        // The control for every EditAndSign case below: the forging itself produces valid tokens.
        var token = Jwt.EditAndSign(await AccessTokenAsync(), Secret);
        await (await _client.UserInfoAsync(token)).AssertOkJsonAsync();
    }

    [Theory]
    [InlineData("secret")]
    [InlineData("your-256-bit-secret")]
    [InlineData("change-me-to-a-random-256-bit-value")]
    [InlineData("another-different-random-secret")]
    [InlineData("xxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
    [InlineData("")]
    public async Task ATokenSignedWithACommonSecretIsRefused(string secret)
    {
        await AssertRefusedAsync(Jwt.Resign(await AccessTokenAsync(), Encoding.UTF8.GetBytes(secret)));
    }

    [Fact]
    public async Task RsaAndEcdsaSignaturesAreRefused()
    {
        var token = await AccessTokenAsync();
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(token.Split('.')[1]))!.AsObject();
        using var rsa = RSA.Create(2048);
        await AssertRefusedAsync(Jwt.Sign(new JsonObject { ["alg"] = "RS256", ["typ"] = "at+jwt" }, payload,
            input => rsa.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)));
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await AssertRefusedAsync(Jwt.Sign(new JsonObject { ["alg"] = "ES256", ["typ"] = "at+jwt" }, payload,
            input => ecdsa.SignData(input, HashAlgorithmName.SHA256)));
        // Algorithm confusion: an asymmetric alg name over an HMAC made with the real secret.
        await AssertRefusedAsync(Jwt.Sign(new JsonObject { ["alg"] = "RS256", ["typ"] = "at+jwt" }, payload,
            input => HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), input)));
    }

    [Fact]
    public async Task AnEmbeddedJwkIsNotTrusted()
    {
        var token = await AccessTokenAsync();
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(token.Split('.')[1]))!.AsObject();
        var attackerKey = RandomNumberGenerator.GetBytes(32);
        var header = new JsonObject
        {
            ["alg"] = "HS256",
            ["typ"] = "at+jwt",
            ["jwk"] = new JsonObject { ["kty"] = "oct", ["k"] = Base64UrlEncoder.Encode(attackerKey) },
        };
        await AssertRefusedAsync(Jwt.Sign(header, payload, input => HMACSHA256.HashData(attackerKey, input)));

        using var rsa = RSA.Create(2048);
        var parameters = rsa.ExportParameters(false);
        var rsaHeader = new JsonObject
        {
            ["alg"] = "RS256",
            ["typ"] = "at+jwt",
            ["jwk"] = new JsonObject { ["kty"] = "RSA", ["n"] = Base64UrlEncoder.Encode(parameters.Modulus), ["e"] = Base64UrlEncoder.Encode(parameters.Exponent) },
        };
        await AssertRefusedAsync(Jwt.Sign(rsaHeader, payload, input => rsa.SignData(input, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)));
    }

    [Theory]
    [InlineData("jku")]
    [InlineData("x5u")]
    public async Task AKeyUrlIsRefusedAndNeverFetched(string parameter)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/keys.json";
        var token = Jwt.EditAndSign(await AccessTokenAsync(), Secret, header: h => h[parameter] = url);
        await AssertRefusedAsync(token);
        await Task.Delay(200);
        Assert.False(listener.Pending(), $"the service connected to the {parameter} URL");
    }

    [Theory]
    [InlineData("../../../../../../dev/null")]
    [InlineData("/etc/passwd")]
    [InlineData("x' UNION SELECT 'attacker-key' --")]
    [InlineData("1; DROP TABLE users")]
    public async Task KidValuesAreNeverUsedToFindAKey(string kid)
    {
        var token = await AccessTokenAsync();
        // What a kid injection aims at: a key the attacker knows (empty file, injected string).
        await AssertRefusedAsync(Jwt.Resign(Jwt.Edit(token, header: h => h["kid"] = kid), []));
        await AssertRefusedAsync(Jwt.Resign(Jwt.Edit(token, header: h => h["kid"] = kid), Encoding.UTF8.GetBytes("attacker-key")));
        // Even with the right key, a kid that names no key of the ring is refused.
        await AssertRefusedAsync(Jwt.EditAndSign(token, Secret, header: h => h["kid"] = kid));
    }

    [Theory]
    [InlineData("crit")]
    [InlineData("zip")]
    [InlineData("b64")]
    [InlineData("x5c")]
    public async Task UnexpectedHeaderParametersAreRefused(string parameter)
    {
        var token = await AccessTokenAsync();
        await AssertRefusedAsync(Jwt.EditAndSign(token, Secret, header: h => h[parameter] = parameter switch
        {
            "crit" => new JsonArray("exp"),
            "zip" => "DEF",
            "b64" => false,
            _ => new JsonArray("MIIB"),
        }));
    }

    [Theory]
    [InlineData("JWT")]
    [InlineData("rt+jwt")]
    [InlineData("at+jwt2")]
    [InlineData("application/at+jwt+x")]
    [InlineData(null)]
    public async Task AnUnexpectedTypIsRefused(string? typ)
    {
        var token = Jwt.EditAndSign(await AccessTokenAsync(), Secret, header: h =>
        {
            if (typ is null)
            {
                h.Remove("typ");
            }
            else
            {
                h["typ"] = typ;
            }
        });
        await AssertRefusedAsync(token);
    }

    [Theory]
    [InlineData("iss", "someone-else")]
    [InlineData("aud", "another-api")]
    [InlineData("iss", null)]
    [InlineData("aud", null)]
    public async Task AWrongOrMissingIssuerOrAudienceIsRefused(string claim, string? value)
    {
        var token = Jwt.EditAndSign(await AccessTokenAsync(), Secret, payload: p =>
        {
            if (value is null)
            {
                p.Remove(claim);
            }
            else
            {
                p[claim] = value;
            }
        });
        await AssertRefusedAsync(token);
    }

    public static TheoryData<string, string> BadTimeClaims() => new()
    {
        { "exp", "99999999999999999999" },
        { "exp", "-1" },
        { "exp", "\"9999999999\"" },
        { "exp", "true" },
        { "exp", "1.5e10" },
        { "exp", "null" },
        { "nbf", "99999999999999999999" },
        { "nbf", "-5" },
        { "nbf", "\"0\"" },
        { "nbf", "false" },
        { "iat", "99999999999999999999" },
        { "iat", "-5" },
        { "iat", "\"0\"" },
        { "iat", "true" },
        { "iat", "[1]" },
    };

    [Theory]
    [MemberData(nameof(BadTimeClaims))]
    public async Task TimeClaimsThatAreNotNumericDatesAreRefused(string claim, string json)
    {
        var token = Jwt.EditAndSign(await AccessTokenAsync(), Secret, payload: p => p[claim] = JsonNode.Parse(json));
        await AssertRefusedAsync(token);
    }

    [Fact]
    public async Task ATokenNotValidYetIsRefused()
    {
        var now = app.Time.GetUtcNow().ToUnixTimeSeconds();
        var token = Jwt.EditAndSign(await AccessTokenAsync(), Secret, payload: p => p["nbf"] = now + UserApiFactory.ClockSkewSeconds + 60);
        await AssertRefusedAsync(token);
        var issuedLater = Jwt.EditAndSign(await AccessTokenAsync(), Secret, payload: p => p["iat"] = now + UserApiFactory.ClockSkewSeconds + 60);
        await AssertRefusedAsync(issuedLater);
    }

    [Fact]
    public async Task NonCanonicalBase64UrlIsRefused()
    {
        var token = await AccessTokenAsync();
        var parts = token.Split('.');
        // A 32-byte signature is 43 characters carrying 2 unused bits: setting them keeps the same bytes.
        var signature = parts[2];
        var last = signature[^1];
        var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var sameBytes = signature[..^1] + alphabet[alphabet.IndexOf(last) | 1];
        static byte[] Lenient(string s) => Convert.FromBase64String(s.Replace('-', '+').Replace('_', '/') + new string('=', (4 - s.Length % 4) % 4));
        Assert.NotEqual(signature, sameBytes);
        Assert.Equal(Lenient(signature), Lenient(sameBytes));
        await AssertRefusedAsync($"{parts[0]}.{parts[1]}.{sameBytes}");
        await AssertRefusedAsync($"{parts[0]}.{parts[1]}.{signature}=");
        await AssertRefusedAsync($"{parts[0]}=.{parts[1]}.{signature}");
        await AssertRefusedAsync($"{parts[0]}.{parts[1]}.{signature.Replace('-', '+').Replace('_', '/')}x");
    }

    [Fact]
    public async Task ExtraOrMissingSegmentsAreRefused()
    {
        var parts = (await AccessTokenAsync()).Split('.');
        await AssertRefusedAsync($"{parts[0]}.{parts[1]}");
        await AssertRefusedAsync(parts[1]);
        await AssertRefusedAsync($"{parts[0]}.{parts[1]}.{parts[2]}.{parts[2]}");
        await AssertRefusedAsync($"{parts[0]}.{parts[1]}.{parts[2]}.");
        await AssertRefusedAsync($".{parts[1]}.{parts[2]}");
    }

    [Fact]
    public async Task AJsonSerialisedJwsIsRefused()
    {
        var parts = (await AccessTokenAsync()).Split('.');
        var json = $$"""{"payload":"{{parts[1]}}","signatures":[{"protected":"{{parts[0]}}","signature":"{{parts[2]}}"}]}""";
        await AssertRefusedAsync(json);
        await AssertRefusedAsync(Base64UrlEncoder.Encode(json));
    }

    [Fact]
    public async Task AFiveSegmentJweIsRefused()
    {
        var header = Base64UrlEncoder.Encode("""{"alg":"dir","enc":"A256GCM","typ":"at+jwt"}""");
        var random = () => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));
        await AssertRefusedAsync($"{header}..{random()}.{random()}.{random()}");
        await AssertRefusedAsync($"{header}.{random()}.{random()}.{random()}.{random()}");
    }

    [Fact]
    public async Task AnOversizedTokenIsRefused()
    {
        var token = Jwt.EditAndSign(await AccessTokenAsync(), Secret, payload: p => p["pad"] = new string('a', 300 * 1024));
        await AssertRefusedAsync(token);
    }

    [Fact]
    public async Task TokensInTheQueryStringOrACookieAreIgnored()
    {
        var token = await AccessTokenAsync();
        foreach (var query in new[] { "access_token", "token", "jwt", "authorization" })
        {
            await (await _client.GetAsync($"/user/info?{query}={token}")).AssertInvalidTokenAsync();
        }
        var request = new HttpRequestMessage(HttpMethod.Get, "/user/info");
        request.Headers.Add("Cookie", $"access_token={token}; token={token}; Authorization=Bearer%20{token}");
        await (await _client.SendAsync(request)).AssertInvalidTokenAsync();
    }

    [Fact]
    public async Task TwoAuthorizationHeadersAreRefused()
    {
        var token = await AccessTokenAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, "/user/info");
        request.Headers.TryAddWithoutValidation("Authorization", [$"Bearer {token}", $"Bearer {token}"]);
        await (await _client.SendAsync(request)).AssertInvalidTokenAsync();
    }

    [Fact]
    public async Task ATokenOfADeletedUserIsRefused()
    {
        var (id, username, tokens) = await _client.NewSessionAsync();
        Assert.Null((await app.Services.GetRequiredService<UserAdministration>().DeleteAsync(username, CancellationToken.None)).Failure);
        await (await _client.UserInfoAsync(tokens.AccessToken)).AssertInvalidTokenAsync("session_revoked");
        await (await _client.PostJsonAsync("/user/info", $$"""{"userId":"{{id}}"}""", tokens.AccessToken)).AssertInvalidTokenAsync("session_revoked");
        var refresh = await _client.RefreshAsync(tokens.RefreshToken);
        await refresh.AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
    }
}
