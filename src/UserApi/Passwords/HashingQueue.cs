using UserApi.Diagnostics;

namespace UserApi.Passwords;

/// <summary>
/// The password-hashing workers (one per core) and the admission to them. A request that will hash asks for
/// a <see cref="HashingAdmission"/> first; when the wait it would face (the admitted requests ahead of it, at
/// the measured time per hash, spread over the workers) exceeds the limit, it is refused at once, before any
/// work, rather than queued: under a login storm an unbounded queue makes every login wait tens of seconds
/// and time out anyway, while a refused one can come back after the <c>Retry-After</c> it is given.
/// Admitted work always completes.
/// </summary>
/// <remarks>
/// Hashes run one per core: each fills 19 MiB, and run side by side on one core they only evict each other
/// from the CPU caches and add 19 MiB of resident memory apiece.
/// </remarks>
public sealed class HashingQueue
{
    // Until a hash has been timed here (PasswordHasher.Warm times one at start-up), an Argon2id hash with the
    // service's parameters is taken to cost this much; a slow machine corrects it with its first hashes.
    private static readonly TimeSpan AssumedHashTime = TimeSpan.FromMilliseconds(50);

    // Weight of each new measurement in the running mean: a few dozen hashes follow a change of load.
    private const double MeanWeight = 0.1;

    private readonly SemaphoreSlim _workers;
    private readonly TimeSpan _maxWait;
    private readonly TimeProvider _time;
    private readonly UserApiMetrics? _metrics;
    private readonly Lock _meanLock = new();
    private double _meanHashTicks = AssumedHashTime.Ticks;
    private bool _measured;
    private int _admitted;

    /// <param name="maxWait">
    /// A request whose expected wait reaches this is refused; zero refuses whenever every worker is taken,
    /// <see cref="TimeSpan.MaxValue"/> admits every request.
    /// </param>
    public HashingQueue(TimeSpan maxWait, TimeProvider time, UserApiMetrics? metrics = null, int workers = 0)
    {
        Workers = workers > 0 ? workers : Environment.ProcessorCount;
        _workers = new SemaphoreSlim(Workers, Workers);
        _maxWait = maxWait;
        _time = time;
        _metrics = metrics;
        metrics?.ObserveHashingQueue(() => Length);
    }

    /// <summary>Hashes that may run at once.</summary>
    public int Workers { get; }

    /// <summary>Requests admitted and not yet done with their hashing: the queue's length, running ones included.</summary>
    public int Length => Volatile.Read(ref _admitted);

    /// <summary>The running mean of one hash's time on this machine.</summary>
    public TimeSpan MeanHashTime
    {
        get
        {
            lock (_meanLock)
            {
                return TimeSpan.FromTicks((long)_meanHashTicks);
            }
        }
    }

    /// <summary>
    /// Admits the request when the wait it would face is within the limit; dispose the admission when the
    /// request's hashing is done. A refused admission says how long the queue ahead of it would take.
    /// </summary>
    public HashingAdmission Admit()
    {
        var admitted = Interlocked.Increment(ref _admitted);
        var wait = ExpectedWait(ahead: admitted - 1, out var queued);
        if (queued <= 0 || wait < _maxWait)
        {
            return new HashingAdmission(this, TimeSpan.Zero);
        }
        Interlocked.Decrement(ref _admitted);
        _metrics?.HashingShed.Add(1);
        return new HashingAdmission(null, wait);
    }

    internal void Leave() => Interlocked.Decrement(ref _admitted);

    /// <summary>Runs one hash on a free worker, waiting for one asynchronously; a caller that gives up while waiting costs no computation.</summary>
    public async Task<T> RunAsync<T>(Func<T> hash, CancellationToken cancellationToken)
    {
        await _workers.WaitAsync(cancellationToken);
        try
        {
            var started = _time.GetTimestamp();
            var result = hash();
            Record(_time.GetElapsedTime(started));
            return result;
        }
        finally
        {
            _workers.Release();
        }
    }

    /// <summary>The time until a request with <paramref name="ahead"/> admitted requests before it starts hashing.</summary>
    private TimeSpan ExpectedWait(int ahead, out int queued)
    {
        queued = ahead - Workers + 1;
        if (queued <= 0)
        {
            return TimeSpan.Zero;
        }
        lock (_meanLock)
        {
            return TimeSpan.FromTicks((long)(_meanHashTicks * queued / Workers));
        }
    }

    private void Record(TimeSpan elapsed)
    {
        lock (_meanLock)
        {
            _meanHashTicks = _measured ? _meanHashTicks + MeanWeight * (elapsed.Ticks - _meanHashTicks) : elapsed.Ticks;
            _measured = true;
        }
    }
}

/// <summary>A place in the <see cref="HashingQueue"/>, or the refusal of one with the wait that caused it.</summary>
public sealed class HashingAdmission(HashingQueue? queue, TimeSpan expectedWait) : IDisposable
{
    private HashingQueue? _queue = queue;

    public bool Admitted { get; } = queue is not null;

    /// <summary>For a refusal: how long the queue ahead would have taken, the client's <c>Retry-After</c>.</summary>
    public TimeSpan ExpectedWait => expectedWait;

    public void Dispose() => Interlocked.Exchange(ref _queue, null)?.Leave();
}
