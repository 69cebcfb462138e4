using System.Collections.Concurrent;
using UserApi.Diagnostics;

namespace UserApi.Passwords;

/// <summary>
/// The password-hashing workers (one thread per core) and the admission to them. A request that will hash
/// asks for a <see cref="HashingAdmission"/> first; when the wait it would face (the admitted requests ahead
/// of it, at the measured time per hash, spread over the workers) reaches the limit, it is refused at once,
/// before any work, rather than queued: under a login storm an unbounded queue makes every login wait tens
/// of seconds and time out anyway, while a refused one can come back after the <c>Retry-After</c> it is given.
/// Admitted work always completes.
/// </summary>
/// <remarks>
/// Hashes run one per core: each fills 19 MiB, and run side by side on one core they only evict each other
/// from the CPU caches and add 19 MiB of resident memory apiece. The workers are threads of their own, taking
/// the next hash the moment one ends: on the thread pool, a freed worker's next hash waited in the pool's
/// queue behind every request of a storm, idle, and the queue moved far slower than its measured hash time
/// promised (bench/RESULTS.md, 2026-12-03, login storm).
/// </remarks>
public sealed class HashingQueue : IDisposable
{
    // Until a hash has been timed here (PasswordHasher.WarmAsync times one at start-up), an Argon2id hash with
    // the service's parameters is taken to cost this much; a slow machine corrects it with its first hashes.
    private static readonly TimeSpan AssumedHashTime = TimeSpan.FromMilliseconds(50);

    // Weight of each new measurement in the running mean: a few dozen hashes follow a change of load.
    private const double MeanWeight = 0.1;

    private readonly BlockingCollection<Job> _jobs = new(new ConcurrentQueue<Job>());
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
        _maxWait = maxWait;
        _time = time;
        _metrics = metrics;
        metrics?.ObserveHashingQueue(() => Length);
        for (var i = 0; i < Workers; i++)
        {
            new Thread(Work) { IsBackground = true, Name = $"password-hashing-{i}" }.Start();
        }
    }

    /// <summary>Hashes that may run at once.</summary>
    public int Workers { get; }

    /// <summary>Requests admitted and not yet done with their hashing: the queue's length, running ones included.</summary>
    public int Length => Volatile.Read(ref _admitted);

    /// <summary>Hashes waiting for a worker.</summary>
    public int Waiting => _jobs.Count;

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
    /// Admits the request when the wait it would face is under the limit; dispose the admission when the
    /// request's hashing is done. A refused admission says how long the queue ahead of it would take.
    /// </summary>
    public HashingAdmission Admit()
    {
        var admitted = Interlocked.Increment(ref _admitted);
        if (!Refused(ahead: admitted - 1, out var wait))
        {
            return new HashingAdmission(this, TimeSpan.Zero);
        }
        Interlocked.Decrement(ref _admitted);
        return new HashingAdmission(null, wait);
    }

    /// <summary>
    /// Whether a request arriving now would be refused, without admitting it (counted as shed when it would):
    /// a route can then refuse before it reads the request, at a fraction of the cost of a refused <see cref="Admit"/>.
    /// </summary>
    public bool Refuses(out TimeSpan expectedWait) => Refused(ahead: Length, out expectedWait);

    /// <summary>Whether a request with <paramref name="ahead"/> admitted requests before it waits too long; counted as shed when it does.</summary>
    private bool Refused(int ahead, out TimeSpan expectedWait)
    {
        expectedWait = ExpectedWait(ahead, out var queued);
        if (queued <= 0 || expectedWait < _maxWait)
        {
            return false;
        }
        _metrics?.HashingShed.Add(1);
        return true;
    }

    internal void Leave() => Interlocked.Decrement(ref _admitted);

    /// <summary>Runs one hash on the next free worker, in arrival order; a caller that gives up while waiting costs no computation.</summary>
    public Task<T> RunAsync<T>(Func<T> hash, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }
        var job = new Job<T>(hash, cancellationToken);
        _jobs.Add(job, CancellationToken.None);
        return job.Task;
    }

    public void Dispose() => _jobs.CompleteAdding();

    private void Work()
    {
        foreach (var job in _jobs.GetConsumingEnumerable())
        {
            if (job.GaveUp)
            {
                continue;
            }
            job.Run(this);
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

    /// <summary>Runs <paramref name="hash"/>, timed; the timing is recorded before the caller learns the result.</summary>
    private T Timed<T>(Func<T> hash)
    {
        var started = _time.GetTimestamp();
        try
        {
            return hash();
        }
        finally
        {
            Record(_time.GetElapsedTime(started));
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

    private abstract class Job
    {
        public abstract bool GaveUp { get; }

        public abstract void Run(HashingQueue queue);
    }

    private sealed class Job<T> : Job
    {
        private readonly Func<T> _hash;
        // The caller resumes on the thread pool, never on a hashing worker.
        private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenRegistration _cancellation;

        public Job(Func<T> hash, CancellationToken cancellationToken)
        {
            _hash = hash;
            _cancellation = cancellationToken.Register(static state =>
            {
                var (result, token) = ((TaskCompletionSource<T>, CancellationToken))state!;
                result.TrySetCanceled(token);
            }, (_result, cancellationToken));
        }

        public Task<T> Task => _result.Task;

        public override bool GaveUp => _result.Task.IsCanceled;

        public override void Run(HashingQueue queue)
        {
            _cancellation.Dispose();
            try
            {
                _result.TrySetResult(queue.Timed(_hash));
            }
            catch (Exception e)
            {
                _result.TrySetException(e);
            }
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
