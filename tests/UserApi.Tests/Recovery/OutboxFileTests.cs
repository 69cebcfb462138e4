using System.Net;
using System.Net.Http.Json;
using MimeKit;
using UserApi.Tests.Support;

namespace UserApi.Tests.Recovery;

/// <summary>Embedded mode without <c>Mail.Smtp</c>: mails are <c>.eml</c> files a person opens to follow the link.</summary>
public sealed class OutboxFileTests(EmbeddedBackend app) : IClassFixture<EmbeddedBackend>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("user-api-outbox-").FullName;

    [Fact]
    public async Task WithoutSmtpAMailIsAnEmlFileWhoseLinkWorks()
    {
        using var embedded = app.WithSettings(("Mail:Directory", _directory), ("Mail:LinkBase", "https://app.example/recover?token="));
        var client = embedded.CreateClient();
        var (username, email) = (ApiClient.NewUsername(), $"file-{Guid.NewGuid():N}@mail.example");
        await (await client.PostAsJsonAsync("/user/register", new { username, password = ApiClient.Password, email })).AssertOkJsonAsync();

        var files = await Poll.UntilAsync(() => Task.FromResult(Directory.GetFiles(_directory, "*.eml")), f => f.Length > 0, TimeSpan.FromSeconds(20));
        var file = Assert.Single(files);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
        var mail = await MimeMessage.LoadAsync(file);
        Assert.Equal(email, mail.To.Mailboxes.Single().Address);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/user/email/verify", new { token = SmtpSink.TokenOf(mail) })).StatusCode);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
