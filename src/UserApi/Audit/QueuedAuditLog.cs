using System.Collections.Frozen;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UserApi.Configuration;
using UserApi.Diagnostics;
using UserApi.Infrastructure;

namespace UserApi.Audit;

/// <summary>
/// The audit log when auditing is on. <see cref="Record"/> stamps the event with the time and the request it came
/// with and queues it, never waiting: the request does not pay for the database. A background loop writes what has
/// queued meanwhile in one transaction per batch, so a burst costs one commit, not one each; the host's stop (after
/// the server has finished its requests) and a CLI command write what is left (<see cref="FlushAsync"/>).
/// </summary>
/// <remarks>
/// The queue is bounded (<see cref="AuditOptions.QueueCapacity"/>): a database that is slow or away must not take
/// the process's memory with it. An event that finds the queue full is dropped, and the loss is visible: counted
/// (<c>userapi.audit.dropped</c>) and warned of at most once a minute. A batch the database refused is retried
/// (every second) while new events queue behind it, so an outage loses only what overflows.
/// </remarks>
public sealed class QueuedAuditLog : BackgroundService, IAuditLog
{
    private const int BatchSize = 500;
    private const int MaxUserAgentLength = 256;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan GatherWindow = TimeSpan.FromMilliseconds(100);

    private readonly FrozenSet<string> _excludedTypes;
    private readonly Channel<AuditRecord> _queue;
    private readonly AuditEventStore _store;
    private readonly HttpContextAccessor _requests;
    private readonly TimeProvider _time;
    private readonly UserApiMetrics _metrics;
    private readonly ILogger<QueuedAuditLog> _logger;
    private readonly IntervalGate _dropWarning = new(TimeSpan.FromMinutes(1));
    private readonly SemaphoreSlim _writing = new(1, 1);

    // The batch being written, kept until the database has taken it.
    private readonly List<AuditRecord> _pending = new(BatchSize);
    private int _pendingCount;

    public QueuedAuditLog(AuditEventStore store, HttpContextAccessor requests, IOptions<AuditOptions> options, TimeProvider time, UserApiMetrics metrics, ILogger<QueuedAuditLog> logger)
    {
        _store = store;
        _requests = requests;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _excludedTypes = options.Value.ExcludedTypes.ToFrozenSet(StringComparer.Ordinal);
        _queue = Channel.CreateBounded<AuditRecord>(new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            SingleReader = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        metrics.ObserveAuditQueue(() => Depth);
    }

    /// <summary>Events queued and not yet written.</summary>
    public int Depth => _queue.Reader.Count + Volatile.Read(ref _pendingCount);

    public void Record(AuditEvent auditEvent)
    {
        if (_excludedTypes.Contains(auditEvent.Type))
        {
            return;
        }
        var request = _requests.HttpContext;
        var agent = request?.Request.Headers.UserAgent.ToString();
        var record = new AuditRecord(0, _time.GetUtcNow().UtcDateTime, auditEvent.Type, auditEvent.Outcome, auditEvent.ActorUserId, auditEvent.SubjectUserId,
            auditEvent.SessionId, request?.Connection.RemoteIpAddress?.ToString(),
            string.IsNullOrEmpty(agent) ? null : agent[..Math.Min(agent.Length, MaxUserAgentLength)], request?.TraceIdentifier);
        if (_queue.Writer.TryWrite(record))
        {
            return;
        }
        _metrics.AuditDropped.Add(1);
        if (_dropWarning.TryEnter(_time.GetUtcNow()))
        {
            _logger.LogWarning("The audit queue is full ({Depth} events waiting for the database): audit events are being dropped", Depth);
        }
    }

    /// <summary>Writes every event queued now (the host's stop, the end of a CLI command).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        while (Depth > 0 && !cancellationToken.IsCancellationRequested)
        {
            await WriteBatchAsync(cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                try
                {
                    if (_queue.Reader.Count < BatchSize)
                    {
                        // Lets a stream of events gather into one batch: written as they came, each commit held a
                        // few events. Real time, not the injected clock: it paces the writer, it means nothing.
                        await Task.Delay(GatherWindow, stoppingToken);
                    }
                    await WriteBatchAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    _logger.LogWarning("Writing audit events failed; retrying: {Error}", e.Message);
                    await Task.Delay(RetryDelay, _time, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await FlushAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogWarning("{Depth} audit events were not written at shutdown: {Error}", Depth, e.Message);
        }
    }

    /// <summary>
    /// Takes up to a batch off the queue and writes it; on a failure the batch goes back into a retry rather than being
    /// lost (it is kept here until the write succeeds). One writer at a time, so a flush and the loop do not interleave.
    /// </summary>
    private async Task WriteBatchAsync(CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            if (_pending.Count == 0)
            {
                while (_pending.Count < BatchSize && _queue.Reader.TryRead(out var record))
                {
                    _pending.Add(record);
                }
                Volatile.Write(ref _pendingCount, _pending.Count);
            }
            if (_pending.Count == 0)
            {
                return;
            }
            await _store.AppendAsync(_pending, cancellationToken);
            _pending.Clear();
            Volatile.Write(ref _pendingCount, 0);
        }
        finally
        {
            _writing.Release();
        }
    }
}
