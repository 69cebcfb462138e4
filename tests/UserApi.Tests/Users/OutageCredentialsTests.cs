using System.Diagnostics.Metrics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using UserApi.Diagnostics;
using UserApi.Tests.Support;
using UserApi.Users;

namespace UserApi.Tests.Users;

/// <summary>
/// The last credentials an instance read, served only while the database is unreachable (a unit test over a store
/// that can be taken down; <c>scripts/faults.sh</c> scenario 4 kills a real MariaDB under load).
/// </summary>
public sealed class OutageCredentialsTests : IDisposable
{
    private static readonly SessionCutoff NoCutoff = new(null, null);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly DatabaseStore _database = new();
    private readonly LocalUserChangeFeed _changes = new();
    private readonly MetricCollector<long> _served;
    private readonly OutageCredentials _store;

    public OutageCredentialsTests()
    {
        var metrics = new UserApiMetrics(_services.GetRequiredService<IMeterFactory>());
        _served = new MetricCollector<long>(metrics.OutageCredentialsServed);
        _store = new OutageCredentials(_database, _changes, _time, metrics);
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task WhileTheDatabaseIsDownTheLastCredentialsReadAreServedAndCounted()
    {
        var credentials = _database.Set(7, "hash-1");
        Assert.Equal(credentials, await _store.ReadCredentialsAsync(7, default));

        _database.Down = true;
        Assert.Equal(credentials, await _store.ReadCredentialsAsync(7, default));
        Assert.Equal(NoCutoff, await _store.ReadSessionCutoffAsync(7, default));
        Assert.Equal(1, _served.GetMeasurementSnapshot().Sum(m => m.Value));

        // A user never read here is not known: the outage shows (a 503), not a wrong answer.
        await Assert.ThrowsAsync<SqliteException>(() => _store.ReadCredentialsAsync(8, default));
        await Assert.ThrowsAsync<SqliteException>(() => _store.ReadSessionCutoffAsync(8, default));
    }

    [Fact]
    public async Task TheDatabaseAnswersWheneverItCan()
    {
        _database.Set(7, "hash-1");
        await _store.ReadCredentialsAsync(7, default);
        var changed = _database.Set(7, "hash-2");

        Assert.Equal(changed, await _store.ReadCredentialsAsync(7, default));
        Assert.Empty(_served.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task AChangeAnnouncedByAnyInstanceForgetsTheCopy()
    {
        _database.Set(7, "hash-1");
        await _store.ReadCredentialsAsync(7, default);
        await _changes.PublishAsync(7, default);

        _database.Down = true;
        await Assert.ThrowsAsync<SqliteException>(() => _store.ReadCredentialsAsync(7, default));
    }

    [Fact]
    public async Task AWriteThroughThisInstanceForgetsTheCopy()
    {
        _database.Set(7, "hash-1");
        await _store.ReadCredentialsAsync(7, default);
        await _store.EndSessionsAsync(7, _time.GetUtcNow().UtcDateTime, null, default);

        _database.Down = true;
        await Assert.ThrowsAsync<SqliteException>(() => _store.ReadCredentialsAsync(7, default));
    }

    [Fact]
    public async Task AReadOverlappingAnAnnouncementIsNotKept()
    {
        _database.Set(7, "hash-1");
        _database.DuringRead = () => _changes.PublishAsync(7, default).GetAwaiter().GetResult();
        await _store.ReadCredentialsAsync(7, default);
        _database.DuringRead = null;

        _database.Down = true;
        await Assert.ThrowsAsync<SqliteException>(() => _store.ReadCredentialsAsync(7, default));
    }

    [Fact]
    public async Task ACopyLivesNoLongerThanARedisUserRow()
    {
        var credentials = _database.Set(7, "hash-1");
        await _store.ReadCredentialsAsync(7, default);
        _database.Down = true;

        _time.Advance(CachedUserStore.Expiry - TimeSpan.FromSeconds(1));
        Assert.Equal(credentials, await _store.ReadCredentialsAsync(7, default));
        _time.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<SqliteException>(() => _store.ReadCredentialsAsync(7, default));
    }

    /// <summary>A database that can be taken down: every read then fails as a real driver's would (a <see cref="System.Data.Common.DbException"/>).</summary>
    private sealed class DatabaseStore : UnsupportedUserStore
    {
        private readonly Dictionary<long, Credentials> _credentials = [];

        public bool Down { get; set; }

        public Action? DuringRead { get; set; }

        public Credentials Set(long id, string hash) => _credentials[id] = new Credentials(hash, false, NoCutoff);

        public override Task<Credentials?> ReadCredentialsAsync(long id, CancellationToken cancellationToken)
        {
            ThrowIfDown();
            DuringRead?.Invoke();
            return Task.FromResult(_credentials.GetValueOrDefault(id));
        }

        public override Task<SessionCutoff?> ReadSessionCutoffAsync(long id, CancellationToken cancellationToken)
        {
            ThrowIfDown();
            return Task.FromResult(_credentials.GetValueOrDefault(id)?.Cutoff);
        }

        public override Task EndSessionsAsync(long id, DateTime at, string? keptSessionId, CancellationToken cancellationToken)
        {
            ThrowIfDown();
            _credentials[id] = _credentials[id] with { Cutoff = new SessionCutoff(at, keptSessionId) };
            return Task.CompletedTask;
        }

        private void ThrowIfDown()
        {
            if (Down)
            {
                throw new SqliteException("unable to open database file", 14);
            }
        }
    }
}
