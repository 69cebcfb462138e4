using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using UserApi.Audit;
using UserApi.Configuration;
using UserApi.Diagnostics;
using UserApi.Tests.Support;
using UserApi.Users;

namespace UserApi.Tests.Audit;

/// <summary>
/// The audit queue on its own (not started, so nothing drains it behind the test's back): an overflow drops events
/// visibly (counted and warned of), the host's stop writes what is queued, and the sweeper deletes what is past retention.
/// </summary>
public sealed class QueuedAuditLogTests : IAsyncLifetime
{
    private readonly string _path = UserApiFactory.NewTemporaryPath(".db");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly WarningCounter _logger = new();
    private AuditEventStore _store = null!;

    public async Task InitializeAsync()
    {
        var dialect = SqlDialect.For(DataSource.Sqlite(_path));
        await new Migrations(dialect, NullLogger<Migrations>.Instance).ApplyAsync(CancellationToken.None);
        _store = new AuditEventStore(dialect);
    }

    public async Task DisposeAsync()
    {
        await _meters.DisposeAsync();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_path + suffix);
        }
    }

    private QueuedAuditLog NewLog(int capacity, params string[] excludedTypes) => new(_store, new HttpContextAccessor(),
        Options.Create(new AuditOptions { QueueCapacity = capacity, ExcludedTypes = [.. excludedTypes] }), _time,
        new UserApiMetrics(_meters.GetRequiredService<IMeterFactory>()), _logger);

    private Task<IReadOnlyList<AuditRecord>> StoredAsync() => _store.QueryAsync(new AuditQuery(null, null, null, null, null, 100), CancellationToken.None);

    [Fact]
    public async Task AFullQueueDropsEventsVisiblyAndKeepsWhatItHeld()
    {
        long dropped = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "userapi.audit.dropped")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref dropped, value));
        listener.Start();
        var log = NewLog(capacity: 2);

        for (var i = 1; i <= 5; i++)
        {
            log.Record(new AuditEvent(AuditEventTypes.LoginFailed, "invalid_credentials", SubjectUserId: i));
        }

        Assert.Equal(2, log.Depth);
        Assert.Equal(3, Interlocked.Read(ref dropped));
        Assert.Equal(1, _logger.Warnings);
        await log.FlushAsync(CancellationToken.None);
        Assert.Equal(0, log.Depth);
        Assert.Equal([2L, 1L], (await StoredAsync()).Select(e => e.SubjectUserId!.Value));
    }

    [Fact]
    public async Task StoppingTheHostWritesWhatIsQueued()
    {
        var log = NewLog(capacity: 1000);
        for (var i = 0; i < 700; i++)
        {
            log.Record(new AuditEvent(AuditEventTypes.Refresh, AuditEvent.Ok, 7, 7, $"s{i}"));
        }

        await log.StopAsync(CancellationToken.None);

        var stored = await _store.QueryAsync(new AuditQuery(7, AuditEventTypes.Refresh, null, null, null, 1000), CancellationToken.None);
        Assert.Equal(700, stored.Count);
        Assert.All(stored, e => Assert.Null(e.ClientIp));
    }

    [Fact]
    public async Task AnExcludedTypeIsNeitherQueuedNorCountedAsDropped()
    {
        var log = NewLog(capacity: 1, AuditEventTypes.Refresh);

        log.Record(new AuditEvent(AuditEventTypes.Refresh, AuditEvent.Ok, 3, 3, "s"));
        log.Record(new AuditEvent(AuditEventTypes.LoginSucceeded, AuditEvent.Ok, 3, 3, "s"));

        Assert.Equal(1, log.Depth);
        Assert.Equal(0, _logger.Warnings);
        await log.FlushAsync(CancellationToken.None);
        Assert.Equal([AuditEventTypes.LoginSucceeded], (await StoredAsync()).Select(e => e.Type));
    }

    [Fact]
    public async Task TheSweeperDeletesEventsPastRetentionOnly()
    {
        var log = NewLog(capacity: 10);
        log.Record(new AuditEvent(AuditEventTypes.Register, AuditEvent.Ok, 1, 1));
        _time.Advance(TimeSpan.FromDays(2));
        log.Record(new AuditEvent(AuditEventTypes.Register, AuditEvent.Ok, 2, 2));
        await log.FlushAsync(CancellationToken.None);
        var sweeper = new AuditSweeper(_store, Options.Create(new AuditOptions { RetentionDays = 90 }), _time, NullLogger<AuditSweeper>.Instance);

        _time.Advance(TimeSpan.FromDays(89));
        Assert.Equal(1, await sweeper.SweepAsync(CancellationToken.None));
        Assert.Equal([2L], (await StoredAsync()).Select(e => e.ActorUserId!.Value));
        Assert.Equal(0, await sweeper.SweepAsync(CancellationToken.None));
    }

    private sealed class WarningCounter : ILogger<QueuedAuditLog>
    {
        private int _warnings;

        public int Warnings => Volatile.Read(ref _warnings);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                Interlocked.Increment(ref _warnings);
            }
        }
    }
}
