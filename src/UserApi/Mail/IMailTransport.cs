using MimeKit;

namespace UserApi.Mail;

/// <summary>Where the outbox hands its mails: an SMTP server, or files for a person to read.</summary>
public interface IMailTransport
{
    /// <summary>A connection for a batch of mails; an exception means none of them can be sent now.</summary>
    Task<IMailConnection> ConnectAsync(CancellationToken cancellationToken);
}

public interface IMailConnection : IAsyncDisposable
{
    /// <summary>Delivers one mail; throws <see cref="MailRejectedException"/> when it will never be accepted, any other exception when it may be later.</summary>
    Task SendAsync(MimeMessage message, CancellationToken cancellationToken);
}

/// <summary>The server refused the mail for good (an SMTP 5xx reply): retrying would not help.</summary>
public sealed class MailRejectedException(string message, Exception inner) : Exception(message, inner);
