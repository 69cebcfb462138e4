using Microsoft.Extensions.Logging;
using MimeKit;

namespace UserApi.Mail;

/// <summary>
/// Without an SMTP server (embedded mode), each mail becomes an <c>.eml</c> file in <paramref name="directory"/> and its
/// path is logged, so that whoever runs the service can open it and follow its link.
/// </summary>
public sealed class FileMailTransport(string directory, TimeProvider time, ILogger<FileMailTransport> logger) : IMailTransport
{
    public Task<IMailConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        return Task.FromResult<IMailConnection>(new Connection(directory, time, logger));
    }

    private sealed class Connection(string directory, TimeProvider time, ILogger logger) : IMailConnection
    {
        public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
        {
            var name = $"{time.GetUtcNow():yyyyMMdd-HHmmss}-{Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}.eml";
            var path = Path.GetFullPath(Path.Combine(directory, name));
            // Written aside and moved in, so that a reader never opens half a mail.
            var partial = path + ".partial";
            // The mail holds a token that grants the account: readable by the service's user only.
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            await using (var file = new FileStream(partial, options))
            {
                await message.WriteToAsync(file, cancellationToken);
            }
            File.Move(partial, path);
            logger.LogInformation("Mail written to {Path}", path);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
