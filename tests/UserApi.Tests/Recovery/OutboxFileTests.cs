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

    [Fact]
    public async Task ADeploymentsTemplatesReplaceTheBuiltInOnes()
    {
        var templates = Directory.CreateDirectory(Path.Combine(_directory, "templates")).FullName;
        await File.WriteAllTextAsync(Path.Combine(templates, "verify.txt"), "Subject: Welcome to Example, {{username}}\nConfirm at {{link}} within {{minutes}} minutes.\n");
        await File.WriteAllTextAsync(Path.Combine(templates, "verify.html"), "<p>Confirm <a href=\"{{link}}\">here</a>, {{username}}.</p>");
        var outbox = Path.Combine(_directory, "mails");
        using var embedded = app.WithSettings(("Mail:Directory", outbox), ("Mail:Templates", templates), ("Mail:LinkBase", "https://app.example/recover?token="));
        var client = embedded.CreateClient();
        var username = $"<b>{Guid.NewGuid():N}"[..20];
        await (await client.PostAsJsonAsync("/user/register", new { username, password = ApiClient.Password, email = $"t-{Guid.NewGuid():N}@mail.example" })).AssertOkJsonAsync();

        var files = await Poll.UntilAsync(() => Task.FromResult(Directory.Exists(outbox) ? Directory.GetFiles(outbox, "*.eml") : []), f => f.Length > 0, TimeSpan.FromSeconds(20));
        var mail = await MimeMessage.LoadAsync(Assert.Single(files));
        Assert.Equal($"Welcome to Example, {username}", mail.Subject);
        Assert.Contains("within 1440 minutes", mail.TextBody);
        // Values are HTML-encoded in the HTML body: a username cannot inject markup into the mail.
        Assert.Contains($"&lt;b&gt;{username[3..]}.", mail.HtmlBody);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/user/email/verify", new { token = SmtpSink.TokenOf(mail) })).StatusCode);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
