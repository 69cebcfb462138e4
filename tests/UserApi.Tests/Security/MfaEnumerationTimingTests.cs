using System.Net;
using System.Net.Http.Json;
using OtpNet;
using UserApi.Tests.Support;
using Xunit.Abstractions;

namespace UserApi.Tests.Security;

/// <summary>
/// A wrong password for an account with a second factor must look like a wrong password for any other account: same
/// status, body and headers, and the same time within noise (nothing about the factor is read before the password is
/// proved). Measured as <see cref="EnumerationTimingTests"/> measures unknown names: medians of interleaved attempts,
/// compared with each other in the same run.
/// </summary>
public abstract class MfaEnumerationTimingTests(UserApiFactory app, ITestOutputHelper output)
{
    [Fact]
    public async Task AWrongPasswordLooksAndTakesTheSameWithAndWithoutASecondFactor()
    {
        using var unlimited = app.WithSettings(("Security:MaxFailedLoginsPerAccount", "100000"), ("Security:MaxFailedLoginsPerIp", "100000"));
        var client = unlimited.CreateClient();
        var plain = ApiClient.NewUsername("plain");
        await (await client.RegisterAsync(plain)).AssertOkJsonAsync();
        var protectedUser = await EnrolledAsync(client);

        var (withMedian, withoutMedian) = await EnumerationTimingTests.FailedLoginMediansAsync(client, () => protectedUser, () => plain);
        output.WriteLine($"{app.BackendName}: median wrong password with MFA {withMedian:F2} ms, without {withoutMedian:F2} ms over {EnumerationTimingTests.Attempts} each");
        Assert.InRange(withMedian / withoutMedian, 0.8, 1.2);
    }

    private async Task<string> EnrolledAsync(HttpClient client)
    {
        var username = ApiClient.NewUsername("totp");
        await (await client.RegisterAsync(username)).AssertOkJsonAsync();
        var tokens = (await (await client.LoginAsync(username)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        var enrolment = await (await client.PostJsonAsync("/user/mfa/totp", "{}", $"Bearer {tokens.AccessToken}")).AssertOkJsonAsync();
        var code = new Totp(Base32Encoding.ToBytes(enrolment.GetProperty("secret").GetString())).ComputeTotp(app.Time.GetUtcNow().UtcDateTime);
        await (await client.PostJsonAsync("/user/mfa/totp/confirm", $$"""{"code":"{{code}}"}""", $"Bearer {tokens.AccessToken}")).AssertOkJsonAsync();
        await (await client.LoginAsync(username)).AssertProblemAsync(HttpStatusCode.Unauthorized, "mfa_required");
        return username;
    }
}

[Collection(TimingCollection.Name)]
public sealed class EmbeddedMfaEnumerationTimingTests(EmbeddedBackend app, ITestOutputHelper output) : MfaEnumerationTimingTests(app, output), IClassFixture<EmbeddedBackend>;

[Collection(TimingCollection.Name)]
public sealed class MySqlRedisMfaEnumerationTimingTests(MySqlRedisBackend app, ITestOutputHelper output) : MfaEnumerationTimingTests(app, output), IClassFixture<MySqlRedisBackend>;
