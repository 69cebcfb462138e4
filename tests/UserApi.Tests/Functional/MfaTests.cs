using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OtpNet;
using StackExchange.Redis;
using UserApi.Accounts;
using UserApi.Audit;
using UserApi.Tests.Support;
using UserApi.Users;

namespace UserApi.Tests.Functional;

/// <summary>
/// The second factor over HTTP on every backend: enrolment and its confirmation, the login that then needs a code
/// (in two steps or in one call), codes accepted once (on a second instance too), one step of clock drift, recovery
/// codes, the failed-login lock, turning it off, the administrator's reset, and secrets nobody can read from the stores.
/// Codes are computed with Otp.NET at the service's (fake) clock.
/// </summary>
public abstract class MfaTests(UserApiFactory app)
{
    private readonly HttpClient _client = app.CreateClient();

    private static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    private sealed record Enrolled(long Id, string Username, IssuedTokens Tokens, byte[] Secret, string[] RecoveryCodes);

    private string CodeAt(byte[] secret, TimeSpan offset = default) =>
        new Totp(secret).ComputeTotp((app.Time.GetUtcNow() + offset).UtcDateTime);

    /// <summary>A code of the next step: the clock moves to it, so that the one before counts as used.</summary>
    private string NextCode(byte[] secret)
    {
        app.Time.Advance(Step);
        return CodeAt(secret);
    }

    private static Task<HttpResponseMessage> SendJsonAsync(HttpClient client, HttpMethod method, string path, object body, string accessToken)
    {
        var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = ApiClient.Bearer(accessToken);
        return client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> LoginWithAsync(HttpClient client, object body) => client.PostAsJsonAsync("/user/login", body);

    private Task<HttpResponseMessage> CompleteAsync(string mfaToken, string? code = null, string? recoveryCode = null) =>
        _client.PostAsJsonAsync("/user/login/mfa", new { mfaToken, code, recoveryCode });

    private async Task<(JsonElement Enrolment, byte[] Secret)> BeginAsync(string accessToken)
    {
        var enrolment = await (await SendJsonAsync(_client, HttpMethod.Post, "/user/mfa/totp", new { }, accessToken)).AssertOkJsonAsync();
        return (enrolment, Base32Encoding.ToBytes(enrolment.GetProperty("secret").GetString()));
    }

    private async Task<Enrolled> EnrolledUserAsync()
    {
        var (id, username, tokens) = await _client.NewSessionAsync("mfa");
        var (_, secret) = await BeginAsync(tokens.AccessToken);
        var confirmed = await (await SendJsonAsync(_client, HttpMethod.Post, "/user/mfa/totp/confirm", new { code = CodeAt(secret) }, tokens.AccessToken)).AssertOkJsonAsync();
        var codes = confirmed.GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToArray();
        return new Enrolled(id, username, tokens, secret, codes);
    }

    private async Task<string> MfaTokenAsync(string username)
    {
        var problem = await (await _client.LoginAsync(username)).AssertProblemAsync(HttpStatusCode.Unauthorized, "mfa_required");
        return problem.GetProperty("mfaToken").GetString()!;
    }

    private static async Task<IssuedTokens> TokensAsync(HttpResponseMessage response)
    {
        var body = await response.AssertOkJsonAsync();
        return body.Deserialize<IssuedTokens>(new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    private static string[] Amr(string accessToken) =>
        [.. Jwt.Payload(accessToken).GetProperty("amr").EnumerateArray().Select(m => m.GetString()!)];

    [Fact]
    public async Task EnrolmentGivesTheSecretItsUriAndAQrCodeAndChangesNothingUntilConfirmed()
    {
        var (_, username, tokens) = await _client.NewSessionAsync("mfa");

        var (enrolment, secret) = await BeginAsync(tokens.AccessToken);

        Assert.Equal(20, secret.Length);
        var uri = enrolment.GetProperty("otpauthUri").GetString()!;
        Assert.StartsWith($"otpauth://totp/", uri);
        Assert.Contains("issuer=user-api", uri);
        Assert.Contains($"secret={enrolment.GetProperty("secret").GetString()}", uri);
        Assert.Contains("<svg", enrolment.GetProperty("qrSvg").GetString());
        var login = await TokensAsync(await _client.LoginAsync(username));
        Assert.Equal(["pwd"], Amr(login.AccessToken));
        await (await _client.RefreshAsync(tokens.RefreshToken)).AssertOkJsonAsync();
    }

    [Fact]
    public async Task ConfirmingNeedsACodeOfTheNewSecret()
    {
        var (_, _, tokens) = await _client.NewSessionAsync("mfa");
        await (await SendJsonAsync(_client, HttpMethod.Post, "/user/mfa/totp/confirm", new { code = "123456" }, tokens.AccessToken))
            .AssertProblemAsync(HttpStatusCode.Conflict, "mfa_not_pending");
        var (_, secret) = await BeginAsync(tokens.AccessToken);

        var wrong = CodeAt(secret) == "000000" ? "111111" : "000000";
        await (await SendJsonAsync(_client, HttpMethod.Post, "/user/mfa/totp/confirm", new { code = wrong }, tokens.AccessToken))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "wrong_mfa_code");
        await (await SendJsonAsync(_client, HttpMethod.Post, "/user/mfa/totp/confirm", new { }, tokens.AccessToken))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var confirmed = await (await SendJsonAsync(_client, HttpMethod.Post, "/user/mfa/totp/confirm", new { code = CodeAt(secret) }, tokens.AccessToken)).AssertOkJsonAsync();

        var codes = confirmed.GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Equal(10, codes.Distinct().Count());
        await (await SendJsonAsync(_client, HttpMethod.Post, "/user/mfa/totp", new { }, tokens.AccessToken))
            .AssertProblemAsync(HttpStatusCode.Conflict, "mfa_already_enabled");
    }

    [Fact]
    public async Task TheLoginThenNeedsACodeThatWorksOnce()
    {
        var user = await EnrolledUserAsync();

        var mfaToken = await MfaTokenAsync(user.Username);
        var code = NextCode(user.Secret);
        var tokens = await TokensAsync(await CompleteAsync(mfaToken, code));
        Assert.Equal(["pwd", "otp"], Amr(tokens.AccessToken));
        await (await _client.UserInfoAsync(tokens.AccessToken)).AssertOkJsonAsync();

        // The same code again, with a fresh token and in one call: the step was used.
        await (await CompleteAsync(await MfaTokenAsync(user.Username), code)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_mfa_code");
        await (await LoginWithAsync(_client, new { username = user.Username, password = ApiClient.Password, totpCode = code }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_mfa_code");

        var oneCall = await TokensAsync(await LoginWithAsync(_client, new { username = user.Username, password = ApiClient.Password, totpCode = NextCode(user.Secret) }));
        Assert.Equal(["pwd", "otp"], Amr(oneCall.AccessToken));
        var refreshed = await TokensAsync(await _client.RefreshAsync(oneCall.RefreshToken));
        Assert.Equal(["pwd", "otp"], Amr(refreshed.AccessToken));
    }

    [Fact]
    public async Task ACodeUsedOnOneInstanceIsRefusedOnAnother()
    {
        using var second = app.WithSettings();
        var other = second.CreateClient();
        var user = await EnrolledUserAsync();
        var code = NextCode(user.Secret);

        await TokensAsync(await LoginWithAsync(_client, new { username = user.Username, password = ApiClient.Password, totpCode = code }));

        await (await LoginWithAsync(other, new { username = user.Username, password = ApiClient.Password, totpCode = code }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_mfa_code");
        await TokensAsync(await LoginWithAsync(other, new { username = user.Username, password = ApiClient.Password, totpCode = NextCode(user.Secret) }));
    }

    [Fact]
    public async Task TheMfaTokenCompletesOneLoginAndExpiresAfterFiveMinutes()
    {
        var user = await EnrolledUserAsync();
        var mfaToken = await MfaTokenAsync(user.Username);
        await TokensAsync(await CompleteAsync(mfaToken, NextCode(user.Secret)));

        await (await CompleteAsync(mfaToken, NextCode(user.Secret))).AssertProblemAsync(HttpStatusCode.Unauthorized, "mfa_token_invalid");
        await (await CompleteAsync("not-a-token", CodeAt(user.Secret))).AssertProblemAsync(HttpStatusCode.Unauthorized, "mfa_token_invalid");

        var expiring = await MfaTokenAsync(user.Username);
        app.Time.Advance(Login.MfaTokenLifetime + TimeSpan.FromSeconds(1));
        await (await CompleteAsync(expiring, CodeAt(user.Secret))).AssertProblemAsync(HttpStatusCode.Unauthorized, "mfa_token_invalid");
    }

    [Fact]
    public async Task APasswordChangeWhileTheCodeIsAwaitedVoidsTheMfaToken()
    {
        var user = await EnrolledUserAsync();
        var mfaToken = await MfaTokenAsync(user.Username);
        app.Time.Advance(TimeSpan.FromSeconds(1));

        var change = await _client.PostJsonAsync("/user/password", $$"""{"oldPassword":"{{ApiClient.Password}}","newPassword":"a brand new password"}""", $"Bearer {user.Tokens.AccessToken}");
        Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);

        await (await CompleteAsync(mfaToken, NextCode(user.Secret))).AssertProblemAsync(HttpStatusCode.Unauthorized, "mfa_token_invalid");
    }

    [Fact]
    public async Task OneStepOfClockDriftIsAcceptedEitherWayAndTwoAreNot()
    {
        var user = await EnrolledUserAsync();
        app.Time.Advance(Step * 4);
        async Task<HttpResponseMessage> LoginAtAsync(TimeSpan offset) =>
            await LoginWithAsync(_client, new { username = user.Username, password = ApiClient.Password, totpCode = CodeAt(user.Secret, offset) });

        await (await LoginAtAsync(-2 * Step)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_mfa_code");
        await TokensAsync(await LoginAtAsync(-Step));
        await TokensAsync(await LoginAtAsync(Step));
        // Once a later step was accepted, an earlier one is a replay (RFC 6238 §5.2).
        await (await LoginAtAsync(TimeSpan.Zero)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_mfa_code");
        await (await LoginAtAsync(3 * Step)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_mfa_code");
    }

    [Fact]
    public async Task ARecoveryCodeWorksOnce()
    {
        var user = await EnrolledUserAsync();

        var tokens = await TokensAsync(await CompleteAsync(await MfaTokenAsync(user.Username), recoveryCode: user.RecoveryCodes[0].ToUpperInvariant()));
        Assert.Equal(["pwd", "otp"], Amr(tokens.AccessToken));

        await (await CompleteAsync(await MfaTokenAsync(user.Username), recoveryCode: user.RecoveryCodes[0])).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_mfa_code");
        await TokensAsync(await LoginWithAsync(_client, new { username = user.Username, password = ApiClient.Password, recoveryCode = user.RecoveryCodes[1] }));
        await (await LoginWithAsync(_client, new { username = user.Username, password = ApiClient.Password, recoveryCode = user.RecoveryCodes[1] }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_mfa_code");
        await (await CompleteAsync(await MfaTokenAsync(user.Username), code: "123456", recoveryCode: user.RecoveryCodes[2]))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task ReplacingTheRecoveryCodesTakesACodeAndRetiresTheOldOnes()
    {
        var user = await EnrolledUserAsync();
        await (await SendJsonAsync(_client, HttpMethod.Post, "/user/mfa/recovery-codes", new { code = CodeAt(user.Secret) }, user.Tokens.AccessToken))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "wrong_mfa_code");

        var replaced = await (await SendJsonAsync(_client, HttpMethod.Post, "/user/mfa/recovery-codes", new { code = NextCode(user.Secret) }, user.Tokens.AccessToken)).AssertOkJsonAsync();

        var codes = replaced.GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToArray();
        Assert.Equal(10, codes.Length);
        Assert.Empty(codes.Intersect(user.RecoveryCodes));
        await (await CompleteAsync(await MfaTokenAsync(user.Username), recoveryCode: user.RecoveryCodes[0])).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_mfa_code");
        await TokensAsync(await CompleteAsync(await MfaTokenAsync(user.Username), recoveryCode: codes[0]));
    }

    [Fact]
    public async Task WrongCodesLockTheAccountLikeWrongPasswords()
    {
        var user = await EnrolledUserAsync();
        var wrong = CodeAt(user.Secret) == "000000" ? "111111" : "000000";

        var mfaToken = await MfaTokenAsync(user.Username);
        for (var i = 0; i < 3; i++)
        {
            await (await CompleteAsync(mfaToken, wrong)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_mfa_code");
        }
        // The right password again clears none of them.
        mfaToken = await MfaTokenAsync(user.Username);
        await (await CompleteAsync(mfaToken, wrong)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_mfa_code");
        await (await LoginWithAsync(_client, new { username = user.Username, password = ApiClient.Password, totpCode = wrong }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_mfa_code");

        await (await CompleteAsync(mfaToken, CodeAt(user.Secret))).AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        await (await _client.LoginAsync(user.Username)).AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
    }

    [Fact]
    public async Task TurningItOffTakesThePasswordOrACodeAndEndsTheOtherSessions()
    {
        var user = await EnrolledUserAsync();
        var other = await TokensAsync(await CompleteAsync(await MfaTokenAsync(user.Username), NextCode(user.Secret)));

        await (await SendJsonAsync(_client, HttpMethod.Delete, "/user/mfa/totp", new { password = "not the password" }, user.Tokens.AccessToken))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "wrong_password");
        await (await SendJsonAsync(_client, HttpMethod.Delete, "/user/mfa/totp", new { }, user.Tokens.AccessToken))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var off = await SendJsonAsync(_client, HttpMethod.Delete, "/user/mfa/totp", new { code = NextCode(user.Secret) }, user.Tokens.AccessToken);
        Assert.Equal(HttpStatusCode.NoContent, off.StatusCode);

        await (await _client.RefreshAsync(other.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        await (await _client.RefreshAsync(user.Tokens.RefreshToken)).AssertOkJsonAsync();
        var login = await TokensAsync(await _client.LoginAsync(user.Username));
        Assert.Equal(["pwd"], Amr(login.AccessToken));
        await (await SendJsonAsync(_client, HttpMethod.Delete, "/user/mfa/totp", new { password = ApiClient.Password }, login.AccessToken))
            .AssertProblemAsync(HttpStatusCode.Conflict, "mfa_not_enabled");
    }

    [Fact]
    public async Task ConfirmingEndsEveryOtherSession()
    {
        var (_, username, tokens) = await _client.NewSessionAsync("mfa");
        var other = await TokensAsync(await _client.LoginAsync(username));
        var (_, secret) = await BeginAsync(tokens.AccessToken);

        await (await SendJsonAsync(_client, HttpMethod.Post, "/user/mfa/totp/confirm", new { code = CodeAt(secret) }, tokens.AccessToken)).AssertOkJsonAsync();

        await (await _client.RefreshAsync(other.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        var kept = await TokensAsync(await _client.RefreshAsync(tokens.RefreshToken));
        Assert.Equal(["pwd"], Amr(kept.AccessToken));
    }

    [Fact]
    public async Task TheAdministratorsResetRemovesTheFactorAndEndsEverySession()
    {
        var user = await EnrolledUserAsync();
        var management = app.Services.GetRequiredService<MfaManagement>();

        var reset = await management.ResetAsync(user.Id, adminUserId: null, CancellationToken.None);

        Assert.True(reset.Value);
        await (await _client.RefreshAsync(user.Tokens.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        await TokensAsync(await _client.LoginAsync(user.Username));
        Assert.False((await management.ResetAsync(user.Id, adminUserId: null, CancellationToken.None)).Value);
        Assert.Equal("user_not_found", (await management.ResetAsync(long.MaxValue, adminUserId: null, CancellationToken.None)).Failure?.Code);
    }

    [Fact]
    public async Task AnAdministratorResetsTheFactorThroughTheAdminApi()
    {
        var user = await EnrolledUserAsync();
        var adminName = ApiClient.NewUsername("admin");
        Assert.Null((await app.Services.GetRequiredService<UserAdministration>().CreateAsync(adminName, ApiClient.Password, Roles.Admin, null, CancellationToken.None)).Failure);
        var admin = await TokensAsync(await _client.LoginAsync(adminName));

        // Not the user's own to remove without a code: only an admin may.
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Delete, $"/admin/users/{user.Id}/mfa", user.Tokens.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"/admin/users/{user.Id}/mfa", admin.AccessToken)).StatusCode);

        await (await _client.RefreshAsync(user.Tokens.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        await TokensAsync(await _client.LoginAsync(user.Username));
        await (await SendAsync(HttpMethod.Delete, $"/admin/users/{long.MaxValue}/mfa", admin.AccessToken)).AssertProblemAsync(HttpStatusCode.NotFound, "user_not_found");
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string accessToken)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = ApiClient.Bearer(accessToken);
        return _client.SendAsync(request);
    }

    [Fact]
    public async Task EveryChangeOfTheFactorAndEveryRefusedCodeIsAudited()
    {
        var recorded = new RecordingAuditLog();
        using var audited = app.WithWebHostBuilder(builder => builder.ConfigureServices(services => services.AddSingleton<IAuditLog>(recorded)));
        var client = audited.CreateClient();
        var (id, username, tokens) = await client.NewSessionAsync("mfa");
        var enrolment = await (await SendJsonAsync(client, HttpMethod.Post, "/user/mfa/totp", new { }, tokens.AccessToken)).AssertOkJsonAsync();
        var secret = Base32Encoding.ToBytes(enrolment.GetProperty("secret").GetString());
        await (await SendJsonAsync(client, HttpMethod.Post, "/user/mfa/totp/confirm", new { code = CodeAt(secret) }, tokens.AccessToken)).AssertOkJsonAsync();
        var wrong = NextCode(secret) == "000000" ? "111111" : "000000";

        await (await LoginWithAsync(client, new { username, password = ApiClient.Password, totpCode = wrong })).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_mfa_code");
        await (await SendJsonAsync(client, HttpMethod.Post, "/user/mfa/recovery-codes", new { code = CodeAt(secret) }, tokens.AccessToken)).AssertOkJsonAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await SendJsonAsync(client, HttpMethod.Delete, "/user/mfa/totp", new { password = ApiClient.Password }, tokens.AccessToken)).StatusCode);

        Assert.Equal(
            [
                new AuditEvent(AuditEventTypes.MfaEnabled, AuditEvent.Ok, id, id, Jwt.Payload(tokens.AccessToken).GetProperty("sid").GetString()),
                new AuditEvent(AuditEventTypes.MfaChallengeFailed, "invalid_mfa_code", id, id),
                new AuditEvent(AuditEventTypes.RecoveryCodesReplaced, AuditEvent.Ok, id, id, Jwt.Payload(tokens.AccessToken).GetProperty("sid").GetString()),
                new AuditEvent(AuditEventTypes.MfaDisabled, AuditEvent.Ok, id, id, Jwt.Payload(tokens.AccessToken).GetProperty("sid").GetString()),
            ],
            // The second factor's own events; the login and registration around them are audited too (AuditTests).
            recorded.Events.Where(e => e.SubjectUserId == id && e.Type.StartsWith("mfa.", StringComparison.Ordinal)));
    }

    private sealed class RecordingAuditLog : IAuditLog
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<AuditEvent> _events = new();

        public IReadOnlyList<AuditEvent> Events => [.. _events];

        public void Record(AuditEvent auditEvent) => _events.Enqueue(auditEvent);
    }

    [Fact]
    public async Task TheSecretAndRecoveryCodesCannotBeReadFromTheStores()
    {
        var (id, username, tokens) = await _client.NewSessionAsync("mfa");
        var (enrolment, secret) = await BeginAsync(tokens.AccessToken);
        var confirmed = await (await SendJsonAsync(_client, HttpMethod.Post, "/user/mfa/totp/confirm", new { code = CodeAt(secret) }, tokens.AccessToken)).AssertOkJsonAsync();
        var recoveryCodes = confirmed.GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToList();
        await MfaTokenAsync(username);
        var base32 = enrolment.GetProperty("secret").GetString()!;
        string[] forms = [base32, Convert.ToBase64String(secret), Convert.ToHexString(secret), Convert.ToHexStringLower(secret), .. recoveryCodes, .. recoveryCodes.Select(c => c.Replace("-", ""))];

        await using var connection = app.Services.GetRequiredService<SqlDialect>().CreateConnection();
        var stored = string.Join("\n",
            (await connection.QueryAsync<string>("SELECT COALESCE(secret, '') FROM user_mfa WHERE user_id = @id", new { id }))
            .Concat(await connection.QueryAsync<string>("SELECT code_hash FROM mfa_recovery_codes WHERE user_id = @id", new { id })));
        Assert.Equal(11, stored.Split('\n').Length);
        Assert.DoesNotContain(forms, stored.Contains);

        if (app.BackendName != "embedded" && app.Services.GetRequiredService<IConnectionMultiplexer>() is var redis)
        {
            var values = new StringBuilder();
            foreach (var endpoint in redis.GetEndPoints())
            {
                var server = redis.GetServer(endpoint);
                if (server.IsReplica)
                {
                    continue;
                }
                await foreach (var key in server.KeysAsync(pattern: "*"))
                {
                    if (await redis.GetDatabase().KeyTypeAsync(key) == RedisType.String)
                    {
                        values.Append(key).Append(' ').Append(await redis.GetDatabase().StringGetAsync(key)).Append('\n');
                    }
                }
            }
            Assert.Contains("mfa-challenge:", values.ToString());
            Assert.DoesNotContain(forms, values.ToString().Contains);
        }
    }
}

public sealed class EmbeddedMfaTests(EmbeddedBackend app) : MfaTests(app), IClassFixture<EmbeddedBackend>;

public sealed class MySqlRedisMfaTests(MySqlRedisBackend app) : MfaTests(app), IClassFixture<MySqlRedisBackend>;

public sealed class MySqlRedisClusterMfaTests(MySqlRedisClusterBackend app) : MfaTests(app), IClassFixture<MySqlRedisClusterBackend>;
