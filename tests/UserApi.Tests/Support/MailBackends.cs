using Dapper;
using Microsoft.Extensions.DependencyInjection;
using UserApi.Users;

namespace UserApi.Tests.Support;

/// <summary>A backend whose mails go to an SMTP server of the test's own (<see cref="Smtp"/>).</summary>
public interface IMailBackend
{
    SmtpSink Smtp { get; }
}

/// <summary>Embedded mode, mailing through <see cref="Smtp"/>; recovery limits lifted (their own tests set low ones).</summary>
public sealed class EmbeddedMailBackend : EmbeddedBackend, IMailBackend
{
    public SmtpSink Smtp { get; } = SmtpSink.Start();

    protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
        [.. base.Settings(), .. Smtp.Settings(), .. MailBackends.UnlimitedRecovery];

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Smtp.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}

/// <summary>
/// Production mode (MariaDB + Redis), mailing through <see cref="Smtp"/>. A database of its own: the outbox is shared by
/// every instance over a database, and no other fixture's server (with its own SMTP server, or none) may deliver its mails.
/// </summary>
public sealed class MySqlRedisMailBackend : MySqlRedisBackend, IMailBackend
{
    private readonly string _database = $"{TestServers.DatabaseName}_mail_{Guid.NewGuid():N}"[..60];

    public SmtpSink Smtp { get; } = SmtpSink.Start();

    public MySqlRedisMailBackend()
    {
        // The Redis is the suite's, whose session and cache keys are by user id: ids far from every other database's
        // (and from the other mail fixtures'), so that no two users share a key.
        using var connection = Services.GetRequiredService<SqlDialect>().CreateConnection();
        connection.Execute($"ALTER TABLE users AUTO_INCREMENT = {Random.Shared.NextInt64(1_000, 9_000) * 1_000_000}");
    }

    protected override IEnumerable<KeyValuePair<string, string?>> Settings() =>
        [.. base.Settings(), .. Smtp.Settings(), .. MailBackends.UnlimitedRecovery];

    protected override IEnumerable<KeyValuePair<string, string?>> BackendSettings() =>
    [
        .. base.BackendSettings().Where(s => s.Key != "DataSource"),
        new("DataSource", $"{TestServers.MySql};Database={_database}"),
    ];

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Smtp.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}

public static class MailBackends
{
    public static readonly KeyValuePair<string, string?>[] UnlimitedRecovery =
    [
        new("Security:RecoveryRequestsPerMinute", "1000000"),
        new("Security:RecoveryMailsPerAddressPerHour", "1000000"),
    ];
}
