using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using MimeKit;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace UserApi.Tests.Support;

/// <summary>
/// A real SMTP server on loopback (the SmtpServer package) that keeps every mail it accepts. It can be stopped and
/// started again on the same port, as a mail server that goes down and comes back.
/// </summary>
public sealed partial class SmtpSink : IAsyncDisposable
{
    private readonly ConcurrentQueue<MimeMessage> _received = new();
    private SmtpServer.SmtpServer? _server;
    private Task? _running;

    private SmtpSink(int port) => Port = port;

    public int Port { get; }

    public IReadOnlyList<MimeMessage> Received => [.. _received];

    public static SmtpSink Start()
    {
        var sink = new SmtpSink(ServiceProcess.FreePort());
        sink.ResumeAsync().GetAwaiter().GetResult();
        return sink;
    }

    /// <summary>The service's settings that send through this server.</summary>
    public IEnumerable<KeyValuePair<string, string?>> Settings() =>
    [
        new("Mail:Smtp:Host", "127.0.0.1"),
        new("Mail:Smtp:Port", Port.ToString()),
        new("Mail:Smtp:Security", "None"),
        new("Mail:From", "UserApi tests <no-reply@tests.example>"),
        new("Mail:LinkBase", "https://app.example/recover?token="),
    ];

    /// <summary>Starts listening, and returns once a connection is accepted.</summary>
    public async Task ResumeAsync()
    {
        var options = new SmtpServerOptionsBuilder().ServerName("localhost")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, Port))).Build();
        var services = new ServiceProvider();
        services.Add(new Store(this));
        _server = new SmtpServer.SmtpServer(options, services);
        _running = _server.StartAsync(CancellationToken.None);
        await Poll.UntilAsync(async () =>
        {
            Assert.False(_running.IsFaulted, $"The SMTP server did not start: {_running.Exception}");
            using var probe = new System.Net.Sockets.TcpClient();
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(10));
    }

    /// <summary>Stops listening: a connection is refused until <see cref="ResumeAsync"/>.</summary>
    public async Task StopAsync()
    {
        _server!.Shutdown();
        await _server.ShutdownTask;
        await _running!;
    }

    public IReadOnlyList<MimeMessage> To(string address) =>
        [.. _received.Where(m => m.To.Mailboxes.Any(b => string.Equals(b.Address, address, StringComparison.OrdinalIgnoreCase)))];

    /// <summary>Waits for the <paramref name="count"/>-th mail to <paramref name="address"/> (with <paramref name="subject"/>, when given); returns it.</summary>
    public async Task<MimeMessage> WaitForAsync(string address, int count = 1, string? subject = null)
    {
        var mails = await Poll.UntilAsync(() => Task.FromResult<IReadOnlyList<MimeMessage>>([.. To(address).Where(m => subject is null || m.Subject == subject)]),
            m => m.Count >= count, TimeSpan.FromSeconds(20));
        Assert.True(mails.Count >= count, $"{mails.Count} mail(s) to {address} arrived, {count} expected.");
        return mails[count - 1];
    }

    /// <summary>The token at the end of the mail's link, read from its text body.</summary>
    public static string TokenOf(MimeMessage mail)
    {
        var match = LinkPattern().Match(mail.TextBody ?? "");
        Assert.True(match.Success, $"No link in the mail: {mail.TextBody}");
        Assert.Contains(match.Value, mail.HtmlBody);
        return match.Groups[1].Value;
    }

    [GeneratedRegex(@"https://app\.example/recover\?token=([A-Za-z0-9_-]+)")]
    private static partial Regex LinkPattern();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null && !_server.ShutdownTask.IsCompleted)
        {
            await StopAsync();
        }
    }

    private sealed class Store(SmtpSink sink) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            sink._received.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            return SmtpResponse.Ok;
        }
    }
}
