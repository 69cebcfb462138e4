using Microsoft.Extensions.Options;

namespace UserApi.Configuration;

public enum SmtpSecurity
{
    None,
    StartTls,
    Tls,
}

/// <summary>The SMTP server mails are delivered through (<c>Mail.Smtp</c>).</summary>
public sealed class SmtpOptions
{
    public string Host { get; set; } = "";

    public int Port { get; set; } = 587;

    /// <summary>Empty: the server is used without authentication.</summary>
    public string Username { get; set; } = "";

    public string Password { get; set; } = "";

    /// <summary>None (plain, for a relay on loopback), StartTls (RFC 3207, port 587) or Tls (implicit TLS, RFC 8314, port 465).</summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;
}

/// <summary>
/// The <c>Mail</c> section: where verification and reset mails go. Without <see cref="Smtp"/> (embedded mode's
/// default) they are written as <c>.eml</c> files under <see cref="Directory"/>, for a person to open.
/// </summary>
public sealed class MailOptions
{
    public const string SectionName = "Mail";

    public SmtpOptions? Smtp { get; set; }

    /// <summary>The sender, an address or <c>Name &lt;address&gt;</c>.</summary>
    public string From { get; set; } = "UserApi <no-reply@localhost>";

    /// <summary>The start of every link in a mail; the token is appended (e.g. <c>https://app.example.com/reset?token=</c>).</summary>
    public string LinkBase { get; set; } = "http://localhost:8888/?token=";

    /// <summary>Where mails are written when there is no SMTP server, relative to the content root (the repository under <c>dotnet run</c>), as <c>DataSource</c>'s file.</summary>
    public string Directory { get; set; } = "data/outbox";

    /// <summary>
    /// A directory of templates replacing the built-in ones, by name: <c>verify.txt</c>, <c>verify.html</c>,
    /// <c>reset.txt</c>, <c>reset.html</c> (a missing file keeps the built-in one). Empty: the built-in ones.
    /// </summary>
    public string Templates { get; set; } = "";

    public bool UsesSmtp => Smtp is { Host.Length: > 0 };
}

public sealed class MailOptionsValidator : IValidateOptions<MailOptions>
{
    public ValidateOptionsResult Validate(string? name, MailOptions options)
    {
        var problems = new List<string>();
        if (!MimeKit.MailboxAddress.TryParse(options.From, out _))
        {
            problems.Add($"Mail.From '{options.From}' is not an address: write e.g. no-reply@example.com or 'Example <no-reply@example.com>'.");
        }
        if (!Uri.TryCreate(options.LinkBase, UriKind.Absolute, out var link) || link.Scheme is not ("https" or "http"))
        {
            problems.Add($"Mail.LinkBase '{options.LinkBase}' is not an absolute http(s) URL: write e.g. https://app.example.com/reset?token= (the token is appended).");
        }
        if (options.Smtp is { } smtp)
        {
            if (string.IsNullOrWhiteSpace(smtp.Host))
            {
                problems.Add("Mail.Smtp.Host is empty: name the SMTP server, or leave Mail.Smtp out to write mails as files.");
            }
            if (smtp.Port is < 1 or > 65535)
            {
                problems.Add($"Mail.Smtp.Port is {smtp.Port}: use 1 to 65535 (587 for StartTls, 465 for Tls).");
            }
            if (smtp.Username.Length > 0 && smtp.Password.Length == 0)
            {
                problems.Add("Mail.Smtp.Password is empty while Mail.Smtp.Username is set.");
            }
        }
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
