using System.Net;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using UserApi.Users;
using System.Net.Http.Json;
using UserApi.Tests.Security;
using UserApi.Tests.Support;
using Xunit.Abstractions;

namespace UserApi.Tests.Recovery;

/// <summary>
/// <c>forgot</c> for an account with a verified email, for one without an email and for no account must look and take
/// the same: same status, body and headers, and the same time within noise (the real request's token and outbox write
/// happen after its answer). Measured as the login's enumeration test does: medians of interleaved attempts compared
/// with each other in the same run, never with a fixed duration.
/// </summary>
public abstract class ForgotTimingTests(UserApiFactory app, ITestOutputHelper output)
{
    private const int Attempts = 120;

    [Fact]
    public async Task ForgotForARealAccountAndForNoAccountLookAndTakeTheSame()
    {
        var client = app.CreateClient();
        var (username, email) = (ApiClient.NewUsername(), $"timing-{Guid.NewGuid():N}@mail.example");
        await (await client.PostAsJsonAsync("/user/register", new { username, password = ApiClient.Password, email })).AssertOkJsonAsync();
        var smtp = ((IMailBackend)app).Smtp;
        var verified = await client.PostAsJsonAsync("/user/email/verify", new { token = SmtpSink.TokenOf(await smtp.WaitForAsync(email)) });
        Assert.Equal(HttpStatusCode.NoContent, verified.StatusCode);
        var (_, withoutEmail, _) = await client.NewSessionAsync();
        // One name for each case, each asked again and again: a name asked for the first time costs its rate-limit
        // counter's creation, known or not, which would show as a difference that says nothing about the account.
        var nobody = ApiClient.NewUsername("nobody");

        Task<HttpResponseMessage> Forgot(string name) => client.PostAsJsonAsync("/user/password/forgot", new { username = name });
        for (var i = 0; i < 10; i++)
        {
            await Forgot(username);
            await Forgot(nobody);
        }

        // The real request's mail is written and sent after its answer, and that work would slow whichever request came
        // next: each is timed once the previous one's mail is out (the answer's time is what is compared here; the
        // effect on a following request is a separate, weaker signal: docs/design.md, account recovery).
        var sent = smtp.To(email).Count;
        var cases = new (string Name, List<double> Times)[] { (username, []), (nobody, []), (withoutEmail, []) };
        var last = new HttpResponseMessage?[cases.Length];
        for (var i = 0; i < Attempts; i++)
        {
            foreach (var index in Enumerable.Range(0, cases.Length).OrderBy(_ => Random.Shared.Next()))
            {
                (last[index], var time) = await EnumerationTimingTests.TimeAsync(() => Forgot(cases[index].Name));
                cases[index].Times.Add(time);
                if (index == 0)
                {
                    await smtp.WaitForAsync(email, ++sent);
                    await OutboxSettledAsync();
                }
                // Every request starts after the same pause, whether or not a mail was waited for before it: a request
                // that follows a pause runs slower on a loaded machine, and only the real one's would otherwise have one.
                await Task.Delay(TimeSpan.FromMilliseconds(30));
            }
        }
        var (lastReal, lastUnknown, lastNoEmail) = (last[0], last[1], last[2]);
        var (real, unknown, noEmail) = (cases[0].Times, cases[1].Times, cases[2].Times);

        foreach (var response in new[] { lastReal!, lastUnknown!, lastNoEmail! })
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.Equal(await lastReal!.Content.ReadAsStringAsync(), await response.Content.ReadAsStringAsync());
            Assert.Equal(EnumerationTimingTests.Headers(lastReal!), EnumerationTimingTests.Headers(response));
        }
        var (realMedian, unknownMedian, noEmailMedian) = (EnumerationTimingTests.Median(real), EnumerationTimingTests.Median(unknown), EnumerationTimingTests.Median(noEmail));
        // Compared round by round (the three of a round ran back to back), so that the load of a shared machine, which
        // moves every request of a round alike, cancels out of the ratio.
        var unknownRatio = EnumerationTimingTests.Median([.. unknown.Zip(real, (u, r) => u / r)]);
        var noEmailRatio = EnumerationTimingTests.Median([.. noEmail.Zip(real, (n, r) => n / r)]);
        output.WriteLine($"{app.BackendName}: median forgot for a real account {realMedian:F3} ms, no account {unknownMedian:F3} ms, an account without email {noEmailMedian:F3} ms over {Attempts} each; " +
            $"median ratio per round to the real account's: no account {unknownRatio:F3}, without email {noEmailRatio:F3}");
        Assert.InRange(unknownRatio, 0.8, 1.2);
        Assert.InRange(noEmailRatio, 0.8, 1.2);
    }

    private Task OutboxSettledAsync() => Poll.UntilAsync(async () =>
    {
        await using var connection = app.Services.GetRequiredService<SqlDialect>().CreateConnection();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL") == 0;
    }, TimeSpan.FromSeconds(20));
}

[Collection(TimingCollection.Name)]
public sealed class EmbeddedForgotTimingTests(EmbeddedMailBackend app, ITestOutputHelper output) : ForgotTimingTests(app, output), IClassFixture<EmbeddedMailBackend>;

[Collection(TimingCollection.Name)]
public sealed class MySqlRedisForgotTimingTests(MySqlRedisMailBackend app, ITestOutputHelper output) : ForgotTimingTests(app, output), IClassFixture<MySqlRedisMailBackend>;
