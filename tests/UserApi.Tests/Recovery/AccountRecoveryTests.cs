using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using UserApi.Mail;
using UserApi.Tests.Support;
using UserApi.Users;

namespace UserApi.Tests.Recovery;

/// <summary>
/// What the recovery suites share: requests over HTTP to the real app, mails through the outbox to a real SMTP
/// server on loopback (<see cref="SmtpSink"/>), their links followed.
/// </summary>
public abstract class RecoveryTestBase<TBackend>(TBackend app)
    where TBackend : UserApiFactory, IMailBackend
{
    protected TBackend App { get; } = app;
    protected HttpClient Client { get; } = app.CreateClient();

    protected SmtpSink Smtp => App.Smtp;

    protected static string NewEmail(string prefix = "person") => $"{prefix}-{Guid.NewGuid():N}@mail.example";

    /// <summary>A registered user with a verified email, and a session.</summary>
    protected async Task<(long Id, string Username, string Email, IssuedTokens Tokens)> VerifiedUserAsync()
    {
        var (username, email) = (ApiClient.NewUsername(), NewEmail());
        var user = await (await Client.PostAsJsonAsync("/user/register", new { username, password = ApiClient.Password, email })).AssertOkJsonAsync();
        var token = SmtpSink.TokenOf(await Smtp.WaitForAsync(email));
        Assert.Equal(HttpStatusCode.NoContent, (await VerifyAsync(token)).StatusCode);
        var login = await (await Client.LoginAsync(username)).AssertOkJsonAsync();
        return (user.GetProperty("id").GetInt64(), username, email, login.Deserialize<IssuedTokens>(new JsonSerializerOptions(JsonSerializerDefaults.Web))!);
    }

    protected Task<HttpResponseMessage> VerifyAsync(string token) => Client.PostAsJsonAsync("/user/email/verify", new { token });

    protected Task<HttpResponseMessage> ForgotAsync(object request) => Client.PostAsJsonAsync("/user/password/forgot", request);

    protected Task<HttpResponseMessage> ResetAsync(string token, string newPassword) =>
        Client.PostAsJsonAsync("/user/password/reset", new { token, newPassword });

    protected async Task<string> ResetTokenAsync(string email, int count = 1)
    {
        var mail = await Smtp.WaitForAsync(email, count, "Reset your password");
        Assert.Contains("Choose a new password", mail.HtmlBody);
        return SmtpSink.TokenOf(mail);
    }

    protected async Task<long> OutboxRowsAsync()
    {
        await using var connection = App.Services.GetRequiredService<SqlDialect>().CreateConnection();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM mail_outbox");
    }

    /// <summary>Until every mail is delivered and recorded so: a lease the clock jumps past while a mail is being recorded would let it be sent again.</summary>
    protected async Task OutboxSettledAsync() => await Poll.UntilAsync(async () =>
    {
        await using var connection = App.Services.GetRequiredService<SqlDialect>().CreateConnection();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL") == 0;
    }, TimeSpan.FromSeconds(20));

    protected OutboxSender Sender(IServiceProvider services) => services.GetServices<IHostedService>().OfType<OutboxSender>().Single();
}

/// <summary>
/// Email verification and password reset end to end, with the clock standing still (in production mode the sessions'
/// times come from Redis's clock, which a fake clock moved far ahead would leave behind).
/// </summary>
public abstract class AccountRecoveryTests<TBackend>(TBackend app) : RecoveryTestBase<TBackend>(app)
    where TBackend : UserApiFactory, IMailBackend
{
    [Fact]
    public async Task RegisteringWithAnEmailMailsALinkWhoseTokenVerifiesIt()
    {
        var (username, email) = (ApiClient.NewUsername(), NewEmail());
        var registered = await (await Client.PostAsJsonAsync("/user/register", new { username, password = ApiClient.Password, email })).AssertOkJsonAsync();
        Assert.Equal(email, registered.GetProperty("email").GetString());
        Assert.False(registered.GetProperty("emailVerified").GetBoolean());

        var mail = await Smtp.WaitForAsync(email);
        Assert.Equal("Confirm your email address", mail.Subject);
        Assert.Equal("no-reply@tests.example", mail.From.Mailboxes.Single().Address);
        Assert.Contains(username, mail.TextBody);
        Assert.Equal(HttpStatusCode.NoContent, (await VerifyAsync(SmtpSink.TokenOf(mail))).StatusCode);

        var tokens = (await (await Client.LoginAsync(username)).Content.ReadFromJsonAsync<IssuedTokens>())!;
        var info = await (await Client.UserInfoAsync(tokens.AccessToken)).AssertOkJsonAsync();
        Assert.Equal(email, info.GetProperty("email").GetString());
        Assert.True(info.GetProperty("emailVerified").GetBoolean());
    }

    [Fact]
    public async Task AnAccountWithoutAnEmailShowsNone()
    {
        var (_, _, tokens) = await Client.NewSessionAsync();
        var info = await (await Client.UserInfoAsync(tokens.AccessToken)).AssertOkJsonAsync();
        Assert.False(info.TryGetProperty("email", out _));
        Assert.False(info.TryGetProperty("emailVerified", out _));
    }

    [Fact]
    public async Task SettingAnEmailMailsAVerificationAndResendReplacesItsLink()
    {
        var (_, _, tokens) = await Client.NewSessionAsync();
        var email = NewEmail();
        var set = await Client.PostJsonAsync("/user/email", JsonSerializer.Serialize(new { email }), $"Bearer {tokens.AccessToken}");
        Assert.Equal(HttpStatusCode.Accepted, set.StatusCode);
        var first = SmtpSink.TokenOf(await Smtp.WaitForAsync(email));

        var resend = await Client.SendWithTokenAsync(HttpMethod.Post, "/user/email/resend", tokens.AccessToken);
        Assert.Equal(HttpStatusCode.Accepted, resend.StatusCode);
        var second = SmtpSink.TokenOf(await Smtp.WaitForAsync(email, 2));

        await (await VerifyAsync(first)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_token");
        Assert.Equal(HttpStatusCode.NoContent, (await VerifyAsync(second)).StatusCode);
        await (await Client.SendWithTokenAsync(HttpMethod.Post, "/user/email/resend", tokens.AccessToken)).AssertProblemAsync(HttpStatusCode.Conflict, "email_already_verified");
    }

    [Fact]
    public async Task AnEmailIsUniqueWhateverItsCaseOrUnicodeForm()
    {
        var email = NewEmail("Unique");
        await (await Client.PostAsJsonAsync("/user/register", new { username = ApiClient.NewUsername(), password = ApiClient.Password, email })).AssertOkJsonAsync();
        var fullwidthAt = email.ToUpperInvariant().Replace("@", "\uFF20", StringComparison.Ordinal);
        await (await Client.PostAsJsonAsync("/user/register", new { username = ApiClient.NewUsername(), password = ApiClient.Password, email = email.ToUpperInvariant() }))
            .AssertProblemAsync(HttpStatusCode.Conflict, "email_taken");
        var (_, _, tokens) = await Client.NewSessionAsync();
        await (await Client.PostJsonAsync("/user/email", JsonSerializer.Serialize(new { email = fullwidthAt }), $"Bearer {tokens.AccessToken}"))
            .AssertProblemAsync(HttpStatusCode.Conflict, "email_taken");
    }

    [Theory]
    [InlineData("not an address")]
    [InlineData("Someone <someone@mail.example>")]
    [InlineData("two@@mail.example")]
    [InlineData("nodomain@")]
    public async Task AnInvalidEmailIsRefusedAndNothingIsStored(string email)
    {
        var username = ApiClient.NewUsername();
        var problem = await (await Client.PostAsJsonAsync("/user/register", new { username, password = ApiClient.Password, email }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("email", out _));
        await (await Client.LoginAsync(username)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
    }

    [Fact]
    public async Task AResetByMailEndsEverySessionAndOnlyTheNewPasswordWorks()
    {
        var (_, username, email, session) = await VerifiedUserAsync();
        var other = (await (await Client.LoginAsync(username)).Content.ReadFromJsonAsync<IssuedTokens>())!;

        var forgot = await ForgotAsync(new { username });
        Assert.Equal(HttpStatusCode.Accepted, forgot.StatusCode);
        var token = await ResetTokenAsync(email);
        Assert.Equal(HttpStatusCode.NoContent, (await ResetAsync(token, "a fresh new password")).StatusCode);

        await (await Client.LoginAsync(username)).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        await (await Client.LoginAsync(username, "a fresh new password")).AssertOkJsonAsync();
        foreach (var old in new[] { session, other })
        {
            await (await Client.UserInfoAsync(old.AccessToken)).AssertInvalidTokenAsync("session_revoked");
            await (await Client.RefreshAsync(old.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized, "session_revoked");
        }
    }

    [Fact]
    public async Task ForgotAcceptsTheEmailInsteadOfTheUsername()
    {
        var (_, username, email, _) = await VerifiedUserAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await ForgotAsync(new { email = email.ToUpperInvariant() })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await ResetAsync(await ResetTokenAsync(email), "another new password")).StatusCode);
        await (await Client.LoginAsync(username, "another new password")).AssertOkJsonAsync();
    }

    [Fact]
    public async Task AResetLiftsTheFailedLoginLock()
    {
        var (_, username, email, _) = await VerifiedUserAsync();
        for (var i = 0; i < 5; i++)
        {
            await Client.LoginAsync(username, $"wrong password {i}");
        }
        await (await Client.LoginAsync(username)).AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");

        await ForgotAsync(new { username });
        Assert.Equal(HttpStatusCode.NoContent, (await ResetAsync(await ResetTokenAsync(email), "unlocked new password")).StatusCode);
        await (await Client.LoginAsync(username, "unlocked new password")).AssertOkJsonAsync();
    }

    [Fact]
    public async Task ATokenOfOneKindDoesNotWorkAsTheOther()
    {
        var (username, email) = (ApiClient.NewUsername(), NewEmail());
        await (await Client.PostAsJsonAsync("/user/register", new { username, password = ApiClient.Password, email })).AssertOkJsonAsync();
        var verification = SmtpSink.TokenOf(await Smtp.WaitForAsync(email));
        await (await ResetAsync(verification, "a takeover password")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_token");
        Assert.Equal(HttpStatusCode.NoContent, (await VerifyAsync(verification)).StatusCode);
    }

    [Fact]
    public async Task ANewRequestAndAPasswordChangeInvalidateEarlierResetLinks()
    {
        var (_, username, email, session) = await VerifiedUserAsync();
        await ForgotAsync(new { username });
        var first = await ResetTokenAsync(email);
        await ForgotAsync(new { username });
        var second = await ResetTokenAsync(email, 2);
        await (await ResetAsync(first, "never set password")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_token");

        var change = await Client.PostJsonAsync("/user/password", $$"""{"oldPassword":"{{ApiClient.Password}}","newPassword":"changed by the owner"}""", $"Bearer {session.AccessToken}");
        Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        await (await ResetAsync(second, "never set password")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_token");
        await (await Client.LoginAsync(username, "changed by the owner")).AssertOkJsonAsync();
    }

    [Fact]
    public async Task ANewPasswordIsHeldToTheRegistrationPolicyAndTheLinkStaysUsable()
    {
        var (_, username, email, _) = await VerifiedUserAsync();
        await ForgotAsync(new { username });
        var token = await ResetTokenAsync(email);
        await (await ResetAsync(token, "short")).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(HttpStatusCode.NoContent, (await ResetAsync(token, "long enough now")).StatusCode);
    }

    [Fact]
    public async Task ForgotAnswersAlikeForAnUnknownNameAnAccountWithoutEmailAndARealOneAndMailsOnlyTheRealOne()
    {
        var (_, username, email, _) = await VerifiedUserAsync();
        var (_, withoutEmail, _) = await Client.NewSessionAsync();
        var before = await OutboxRowsAsync();

        var answers = new List<string>();
        foreach (var request in new object[] { new { username = ApiClient.NewUsername("nobody") }, new { username = withoutEmail }, new { email = NewEmail("nobody") }, new { username } })
        {
            var response = await ForgotAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            answers.Add($"{await response.Content.ReadAsStringAsync()}|{string.Join(",", response.Headers.Where(h => h.Key != "Date").Select(h => h.Key))}");
        }
        Assert.Single(answers.Distinct());

        // The queue is first in, first out: once the real account's mail is out, the others were looked at and dropped.
        await ResetTokenAsync(email);
        Assert.Equal(before + 1, await OutboxRowsAsync());
    }

    [Fact]
    public async Task ALoginWaitsForVerificationWhenTheDeploymentRequiresIt()
    {
        using var strict = App.WithSettings(("Auth:RequireVerifiedEmail", "true"), ("Auth:RequireEmail", "true"));
        var client = strict.CreateClient();
        var (username, email) = (ApiClient.NewUsername(), NewEmail());
        var problem = await (await client.RegisterAsync(username)).AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("email", out _));

        await (await client.PostAsJsonAsync("/user/register", new { username, password = ApiClient.Password, email })).AssertOkJsonAsync();
        await (await client.LoginAsync(username)).AssertProblemAsync(HttpStatusCode.Forbidden, "email_not_verified");
        await (await client.LoginAsync(username, "not the password")).AssertProblemAsync(HttpStatusCode.Unauthorized, "invalid_credentials");
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/user/email/verify", new { token = SmtpSink.TokenOf(await Smtp.WaitForAsync(email)) })).StatusCode);
        await (await client.LoginAsync(username)).AssertOkJsonAsync();
    }
}

/// <summary>Expiries and delivery over time: the clock is moved, never waited for; a fixture of their own, as they move it far.</summary>
public abstract class RecoveryOverTimeTests<TBackend>(TBackend app) : RecoveryTestBase<TBackend>(app)
    where TBackend : UserApiFactory, IMailBackend
{
    [Fact]
    public async Task AUsedAnExpiredAndAForgedTokenAreRefusedAlike()
    {
        var (_, username, email, _) = await VerifiedUserAsync();
        await ForgotAsync(new { username });
        var used = await ResetTokenAsync(email);
        Assert.Equal(HttpStatusCode.NoContent, (await ResetAsync(used, "first new password")).StatusCode);

        await ForgotAsync(new { username });
        var expired = await ResetTokenAsync(email, 2);
        App.Time.Advance(TimeSpan.FromSeconds(1801));

        var forged = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var bodies = new List<string>();
        foreach (var token in new[] { used, expired, forged, "short", "" })
        {
            var problem = await (await ResetAsync(token, "second new password")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_token");
            bodies.Add($"{problem.GetProperty("title")}|{problem.GetProperty("code")}");
        }
        Assert.Single(bodies.Distinct());
        await (await Client.LoginAsync(username, "first new password")).AssertOkJsonAsync();
    }

    [Fact]
    public async Task AnExpiredVerificationTokenIsRefused()
    {
        var email = NewEmail();
        await (await Client.PostAsJsonAsync("/user/register", new { username = ApiClient.NewUsername(), password = ApiClient.Password, email })).AssertOkJsonAsync();
        var token = SmtpSink.TokenOf(await Smtp.WaitForAsync(email));
        App.Time.Advance(TimeSpan.FromSeconds(86401));
        await (await VerifyAsync(token)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid_token");
    }

    [Fact]
    public async Task AMailWaitsInTheOutboxWhileSmtpIsDownAndIsDeliveredOnceWhenItIsBack()
    {
        var (_, username, email, _) = await VerifiedUserAsync();
        await Smtp.StopAsync();
        try
        {
            Assert.Equal(HttpStatusCode.Accepted, (await ForgotAsync(new { username })).StatusCode);
            await Poll.UntilAsync(async () =>
            {
                await using var connection = App.Services.GetRequiredService<SqlDialect>().CreateConnection();
                return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL AND attempts > 0") > 0;
            }, TimeSpan.FromSeconds(20));
        }
        finally
        {
            await Smtp.ResumeAsync();
        }
        Assert.Single(Smtp.To(email)); // the verification

        App.Time.Advance(OutboxSender.RetryDelay(1) + OutboxSender.PollInterval);
        await Sender(App.Services).DeliverDueAsync(CancellationToken.None);
        var token = await ResetTokenAsync(email);
        await OutboxSettledAsync();
        for (var i = 0; i < 3; i++)
        {
            // Within the token's lifetime: the link is followed below.
            App.Time.Advance(TimeSpan.FromMinutes(1));
            await Sender(App.Services).DeliverDueAsync(CancellationToken.None);
        }
        Assert.Equal(2, Smtp.To(email).Count);
        Assert.Equal(HttpStatusCode.NoContent, (await ResetAsync(token, "delivered late password")).StatusCode);
    }

    [Fact]
    public async Task TwoInstancesOverOneDatabaseDeliverEachMailOnce()
    {
        using var second = App.WithSettings(("Name", "user-api-second"));
        var secondSender = Sender(second.Services);
        var emails = Enumerable.Range(0, 2 * MailOutbox.BatchSize + 3).Select(_ => NewEmail("twice")).ToList();
        await Smtp.StopAsync();
        try
        {
            foreach (var email in emails)
            {
                await (await Client.PostAsJsonAsync("/user/register", new { username = ApiClient.NewUsername(), password = ApiClient.Password, email })).AssertOkJsonAsync();
            }
        }
        finally
        {
            await Smtp.ResumeAsync();
        }

        // Both instances wake on the same tick (their own loops, and a pass of each here) and claim from the same due rows.
        // Each mail failed once while SMTP was down; the clock moves less than a lease: a jump past it would expire the
        // leases of sends still in flight, and another instance would rightly take those mails again.
        App.Time.Advance(OutboxSender.RetryDelay(1) + OutboxSender.PollInterval);
        while ((await Task.WhenAll(Sender(App.Services).DeliverDueAsync(CancellationToken.None), secondSender.DeliverDueAsync(CancellationToken.None))).Any(more => more))
        {
        }
        foreach (var email in emails)
        {
            await Smtp.WaitForAsync(email);
        }
        await OutboxSettledAsync();
        for (var i = 0; i < 3; i++)
        {
            App.Time.Advance(OutboxSender.MaxRetry);
            await Task.WhenAll(Sender(App.Services).DeliverDueAsync(CancellationToken.None), secondSender.DeliverDueAsync(CancellationToken.None));
        }
        Assert.All(emails, email => Assert.Single(Smtp.To(email)));
    }
}

public sealed class EmbeddedAccountRecoveryTests(EmbeddedMailBackend app) : AccountRecoveryTests<EmbeddedMailBackend>(app), IClassFixture<EmbeddedMailBackend>;

public sealed class MySqlRedisAccountRecoveryTests(MySqlRedisMailBackend app) : AccountRecoveryTests<MySqlRedisMailBackend>(app), IClassFixture<MySqlRedisMailBackend>;

public sealed class EmbeddedRecoveryOverTimeTests(EmbeddedMailBackend app) : RecoveryOverTimeTests<EmbeddedMailBackend>(app), IClassFixture<EmbeddedMailBackend>;

public sealed class MySqlRedisRecoveryOverTimeTests(MySqlRedisMailBackend app) : RecoveryOverTimeTests<MySqlRedisMailBackend>(app), IClassFixture<MySqlRedisMailBackend>;
