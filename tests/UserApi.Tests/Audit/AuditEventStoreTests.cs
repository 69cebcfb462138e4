using Microsoft.Extensions.Logging.Abstractions;
using UserApi.Audit;
using UserApi.Configuration;
using UserApi.Tests.Support;
using UserApi.Users;

namespace UserApi.Tests.Audit;

/// <summary>
/// The audit table's batch append on each database: a batch longer than one INSERT statement, with a last statement
/// shorter than the others, is stored whole, in order, every column as it was given (nulls included).
/// </summary>
public abstract class AuditEventStoreContract
{
    protected abstract DataSource DataSource { get; }

    [Fact]
    public async Task ABatchLongerThanAStatementIsStoredWholeAndInOrder()
    {
        var dialect = SqlDialect.For(DataSource);
        await new Migrations(dialect, NullLogger<Migrations>.Instance).ApplyAsync(CancellationToken.None);
        var store = new AuditEventStore(dialect);
        // A type of this run's own and user ids no account has: the MariaDB database is shared with the other tests,
        // whose users' audit trails must not see these events.
        var type = "test." + Guid.NewGuid().ToString("N")[..12];
        var start = new DateTime(2026, 12, 3, 12, 0, 0, DateTimeKind.Utc);
        var batch = Enumerable.Range(0, 250).Select(i => new AuditRecord(0, start.AddMilliseconds(i), type, i % 2 == 0 ? AuditEvent.Ok : "invalid_credentials",
            i % 3 == 0 ? null : -1 - i, -10_000 - i, i % 5 == 0 ? null : $"session-{i}", i % 7 == 0 ? null : "192.0.2.1", i % 4 == 0 ? null : "agent/1.0",
            $"request-{i}")).ToList();

        await store.AppendAsync(batch, CancellationToken.None);

        var stored = await store.QueryAsync(new AuditQuery(null, type, null, null, null, 500), CancellationToken.None);
        Assert.Equal(batch.Count, stored.Count);
        Assert.True(stored.Zip(stored.Skip(1)).All(pair => pair.First.Id > pair.Second.Id), "newest first, ids increasing in the batch's order");
        Assert.Equal(batch, stored.Reverse().Select(e => e with { Id = 0 }));
    }
}

public sealed class SqliteAuditEventStoreTests : AuditEventStoreContract, IDisposable
{
    private readonly string _path = UserApiFactory.NewTemporaryPath(".db");

    protected override DataSource DataSource => DataSource.Sqlite(_path);

    public void Dispose()
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_path + suffix);
        }
    }
}

public sealed class MariaDbAuditEventStoreTests : AuditEventStoreContract
{
    protected override DataSource DataSource => new(DataSourceKind.MySql, TestServers.MySqlDataSource);
}
