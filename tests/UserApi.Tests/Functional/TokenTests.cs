using System.Net;
using Microsoft.IdentityModel.Tokens;
using UserApi.Tests.Support;

namespace UserApi.Tests.Functional;

/// <summary>What the service refuses at its token checks: every case is a 401 with the invalid_token challenge.</summary>
public sealed class TokenTests(EmbeddedBackend app) : IClassFixture<EmbeddedBackend>
{
    private readonly HttpClient _client = app.CreateClient();

    [Fact]
    public async Task AccessTokenWorksWithAndWithoutTheBearerPrefix()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        await (await _client.GetWithAuthorizationAsync("/user/info", $"Bearer {tokens.AccessToken}")).AssertOkJsonAsync();
        await (await _client.GetWithAuthorizationAsync("/user/info", $"bearer {tokens.AccessToken}")).AssertOkJsonAsync();
        await (await _client.GetWithAuthorizationAsync("/user/info", tokens.AccessToken)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task UserInfoFailsWithoutAToken()
    {
        await (await _client.GetAsync("/user/info")).AssertInvalidTokenAsync();
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Bearer not-a-jwt")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer a.b.c")]
    [InlineData("Bearer e30.e30.")]
    public async Task UserInfoFailsGivenAGarbledAuthorizationHeader(string header)
    {
        await (await _client.GetWithAuthorizationAsync("/user/info", header)).AssertInvalidTokenAsync();
    }

    [Fact]
    public async Task AccessTokenFailsOnceExpiredBeyondTheClockSkew()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        app.Time.Advance(TimeSpan.FromSeconds(UserApiFactory.AccessExpireSeconds + UserApiFactory.ClockSkewSeconds - 5));
        await (await _client.UserInfoAsync(tokens.AccessToken)).AssertOkJsonAsync();
        app.Time.Advance(TimeSpan.FromSeconds(10));
        await (await _client.UserInfoAsync(tokens.AccessToken)).AssertInvalidTokenAsync("token_expired");
    }

    [Fact]
    public async Task AccessTokenFailsGivenATamperedSignature()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        var parts = tokens.AccessToken.Split('.');
        var signature = Base64UrlEncoder.DecodeBytes(parts[2]);
        signature[0] ^= 0x01;
        var tampered = $"{parts[0]}.{parts[1]}.{Base64UrlEncoder.Encode(signature)}";
        await (await _client.UserInfoAsync(tampered)).AssertInvalidTokenAsync();
    }

    [Fact]
    public async Task AccessTokenFailsGivenAnEditedPayload()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        var edited = Jwt.Edit(tokens.AccessToken, payload: p => p["role"] = "admin");
        await (await _client.UserInfoAsync(edited)).AssertInvalidTokenAsync();
    }

    [Theory]
    [InlineData("another-secret-that-is-long-enough-0123456789")]
    [InlineData(UserApiFactory.RefreshSecret)]
    public async Task AccessTokenFailsGivenAnotherSecret(string secret)
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        await (await _client.UserInfoAsync(Jwt.Resign(tokens.AccessToken, secret))).AssertInvalidTokenAsync();
    }

    [Theory]
    [InlineData("none")]
    [InlineData("None")]
    [InlineData("NONE")]
    public async Task AccessTokenFailsGivenAlgNone(string alg)
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        await (await _client.UserInfoAsync(Jwt.Edit(tokens.AccessToken, header: h => h["alg"] = alg, signature: ""))).AssertInvalidTokenAsync();
        await (await _client.UserInfoAsync(Jwt.Edit(tokens.AccessToken, header: h => h["alg"] = alg))).AssertInvalidTokenAsync();
    }

    [Theory]
    [InlineData(SecurityAlgorithms.HmacSha384)]
    [InlineData(SecurityAlgorithms.HmacSha512)]
    public async Task AccessTokenFailsGivenAnotherHmacAlgorithmWithTheRightKey(string algorithm)
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        var token = Jwt.Resign(tokens.AccessToken, UserApiFactory.AccessSecret, algorithm);
        await (await _client.UserInfoAsync(token)).AssertInvalidTokenAsync();
    }

    [Fact]
    public async Task AccessTokenFailsWithoutExp()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        var payload = Jwt.Payload(tokens.AccessToken);
        var claims = payload.EnumerateObject()
            .Where(p => p.Name is not ("exp" or "iat" or "nbf" or "iss" or "aud"))
            .ToDictionary(p => p.Name, p => p.Value.ValueKind switch
            {
                System.Text.Json.JsonValueKind.Number => p.Value.GetInt64(),
                System.Text.Json.JsonValueKind.Array => (object)p.Value.EnumerateArray().Select(e => e.GetString()!).ToArray(),
                _ => p.Value.GetString()!,
            });
        var token = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(
            new SecurityTokenDescriptor
            {
                TokenType = "at+jwt",
                Issuer = "user-api",
                Audience = "user-api",
                Claims = claims,
                SigningCredentials = new SigningCredentials(
                    new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(UserApiFactory.AccessSecret)), SecurityAlgorithms.HmacSha256),
            });
        Assert.False(Jwt.Payload(token).TryGetProperty("exp", out _));
        await (await _client.UserInfoAsync(token)).AssertInvalidTokenAsync();
    }

    [Fact]
    public async Task RefreshTokenIsNotAnAccessToken()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        await (await _client.UserInfoAsync(tokens.RefreshToken)).AssertInvalidTokenAsync();
    }

    [Fact]
    public async Task AccessTokenIsNotARefreshToken()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        await (await _client.RefreshAsync(tokens.AccessToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
    }

    [Fact]
    public async Task TokenKindsNeedBothTheirOwnKeyAndTheirOwnType()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        // Right typ, wrong key: each kind only verifies with its own secret.
        var accessTypedRefresh = Jwt.Resign(Jwt.Edit(tokens.AccessToken, header: h => h["typ"] = "at+jwt"), UserApiFactory.RefreshSecret);
        await (await _client.UserInfoAsync(accessTypedRefresh)).AssertInvalidTokenAsync();
        var refreshTypedAccess = Jwt.Resign(Jwt.Edit(tokens.RefreshToken, header: h => h["typ"] = "rt+jwt"), UserApiFactory.AccessSecret);
        await (await _client.RefreshAsync(refreshTypedAccess)).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");

        // Right key, wrong typ.
        var retypedRefresh = Jwt.Resign(Jwt.Edit(tokens.RefreshToken, header: h => h["typ"] = "at+jwt"), UserApiFactory.RefreshSecret);
        await (await _client.RefreshAsync(retypedRefresh)).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
        var retypedAccess = Jwt.Resign(Jwt.Edit(tokens.AccessToken, header: h => h["typ"] = "rt+jwt"), UserApiFactory.AccessSecret);
        await (await _client.UserInfoAsync(retypedAccess)).AssertInvalidTokenAsync();
    }

    [Fact]
    public async Task RefreshRotatesThePair()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        app.Time.Advance(TimeSpan.FromSeconds(5));
        var refreshed = (await (await _client.RefreshAsync(tokens.RefreshToken)).AssertOkJsonAsync());
        var refreshToken = refreshed.GetProperty("refreshToken").GetString()!;
        Assert.NotEqual(tokens.RefreshToken, refreshToken);
        Assert.Equal(Jwt.Payload(tokens.RefreshToken).GetProperty("sid").GetString(), Jwt.Payload(refreshToken).GetProperty("sid").GetString());
        // The session's absolute expiry does not move with a refresh.
        Assert.Equal(Jwt.Payload(tokens.RefreshToken).GetProperty("exp").GetInt64(), Jwt.Payload(refreshToken).GetProperty("exp").GetInt64());
        await (await _client.UserInfoAsync(refreshed.GetProperty("accessToken").GetString()!)).AssertOkJsonAsync();
        await (await _client.RefreshAsync(refreshToken)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task RefreshFailsGivenAnExpiredRefreshToken()
    {
        var (_, _, tokens) = await _client.NewSessionAsync();
        app.Time.Advance(TimeSpan.FromSeconds(tokens.RefreshExpiresIn + UserApiFactory.ClockSkewSeconds + 1));
        await (await _client.RefreshAsync(tokens.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_expired");
    }

    [Fact]
    public async Task RefreshFailsGivenAGarbledToken()
    {
        await (await _client.RefreshAsync("not-a-token")).AssertProblemAsync(HttpStatusCode.Unauthorized, "token_invalid");
        await (await _client.PostJsonAsync("/user/refresh", "{}")).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task RefreshFailsGivenATokenForAnUnknownSession()
    {
        var (id, _, tokens) = await _client.NewSessionAsync();
        var now = app.Time.GetUtcNow().UtcDateTime;
        var forged = Jwt.CreateToken(UserApiFactory.RefreshSecret, "rt+jwt",
            new Dictionary<string, object> { ["sub"] = id.ToString(), ["sid"] = "no-such-session", ["jti"] = "x" }, now, now.AddHours(1));
        await (await _client.RefreshAsync(forged)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        await (await _client.RefreshAsync(tokens.RefreshToken)).AssertOkJsonAsync();
    }
}
