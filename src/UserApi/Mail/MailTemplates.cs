using System.Net;
using Microsoft.Extensions.Options;
using MimeKit;
using UserApi.Configuration;

namespace UserApi.Mail;

/// <summary>The mails the service sends: <c>verify</c> (confirm an address) and <c>reset</c> (choose a new password).</summary>
public enum MailKind
{
    Verify,
    Reset,
}

/// <summary>
/// Builds a mail from its kind's templates: a plain-text and an HTML body, built in or replaced by files in
/// <c>Mail.Templates</c> (<c>verify.txt</c>, <c>verify.html</c>, <c>reset.txt</c>, <c>reset.html</c>). The first line of
/// a text template is <c>Subject: …</c>. Placeholders: <c>{{username}}</c>, <c>{{link}}</c>, <c>{{minutes}}</c>
/// (the link's lifetime), HTML-encoded in the HTML body.
/// </summary>
public sealed class MailTemplates
{
    private static readonly Dictionary<string, string> BuiltIn = new(StringComparer.Ordinal)
    {
        ["verify.txt"] =
            """
            Subject: Confirm your email address
            Hello {{username}},

            Please confirm that this is your email address by opening this link:

            {{link}}

            The link works for {{minutes}} minutes. If you did not ask for this, ignore this mail.
            """,
        ["verify.html"] =
            """
            <p>Hello {{username}},</p>
            <p>Please confirm that this is your email address:</p>
            <p><a href="{{link}}">Confirm my email address</a></p>
            <p>The link works for {{minutes}} minutes. If you did not ask for this, ignore this mail.</p>
            """,
        ["reset.txt"] =
            """
            Subject: Reset your password
            Hello {{username}},

            Someone (hopefully you) asked to reset your password. Choose a new one here:

            {{link}}

            The link works for {{minutes}} minutes and only once. If you did not ask for this, ignore this mail: your password stays as it is.
            """,
        ["reset.html"] =
            """
            <p>Hello {{username}},</p>
            <p>Someone (hopefully you) asked to reset your password.</p>
            <p><a href="{{link}}">Choose a new password</a></p>
            <p>The link works for {{minutes}} minutes and only once. If you did not ask for this, ignore this mail: your password stays as it is.</p>
            """,
    };

    private readonly IOptions<MailOptions> _options;
    private readonly Dictionary<string, string> _templates;

    public MailTemplates(IOptions<MailOptions> options, string? directory)
    {
        _options = options;
        _templates = BuiltIn.ToDictionary(t => t.Key, t => directory is not null && File.Exists(Path.Combine(directory, t.Key))
            ? File.ReadAllText(Path.Combine(directory, t.Key))
            : t.Value, StringComparer.Ordinal);
    }

    public MimeMessage Compose(MailKind kind, string to, string username, string token, TimeSpan lifetime)
    {
        var name = kind == MailKind.Verify ? "verify" : "reset";
        var values = new Dictionary<string, string>
        {
            ["{{username}}"] = username,
            ["{{link}}"] = _options.Value.LinkBase + token,
            ["{{minutes}}"] = ((long)lifetime.TotalMinutes).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var text = _templates[$"{name}.txt"].ReplaceLineEndings("\n");
        var newline = text.IndexOf('\n');
        var firstLine = newline < 0 ? text : text[..newline];
        var (subject, body) = firstLine.StartsWith("Subject:", StringComparison.OrdinalIgnoreCase)
            ? (firstLine["Subject:".Length..].Trim(), newline < 0 ? "" : text[(newline + 1)..])
            : (kind == MailKind.Verify ? "Confirm your email address" : "Reset your password", text);

        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(_options.Value.From));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = Fill(subject, values, html: false);
        message.Body = new BodyBuilder
        {
            TextBody = Fill(body, values, html: false),
            HtmlBody = Fill(_templates[$"{name}.html"], values, html: true),
        }.ToMessageBody();
        return message;
    }

    private static string Fill(string template, Dictionary<string, string> values, bool html) =>
        values.Aggregate(template, (text, value) => text.Replace(value.Key, html ? WebUtility.HtmlEncode(value.Value) : value.Value, StringComparison.Ordinal));
}
