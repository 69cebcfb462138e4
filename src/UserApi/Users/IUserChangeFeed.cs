namespace UserApi.Users;

/// <summary>How instances tell each other that a user row changed, so that first-level caches evict it.</summary>
public interface IUserChangeFeed
{
    /// <summary>Raised for every change announced (by any instance, this one included).</summary>
    event Action<long>? Changed;

    /// <summary>Raised when announcements may have been missed (a reconnect): every cached user is suspect.</summary>
    event Action? Reset;

    /// <summary>Grows with every announcement and reset, so a load can tell whether one happened meanwhile.</summary>
    long Version { get; }

    Task StartAsync(CancellationToken cancellationToken);

    Task PublishAsync(long userId, CancellationToken cancellationToken);
}

/// <summary>Announcements within this process only (embedded mode's part of <see cref="SqlUserChangeFeed"/>).</summary>
public sealed class LocalUserChangeFeed : IUserChangeFeed
{
    private long _version;

    public event Action<long>? Changed;

    public event Action? Reset
    {
        add { }
        remove { }
    }

    public long Version => Interlocked.Read(ref _version);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task PublishAsync(long userId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _version);
        Changed?.Invoke(userId);
        return Task.CompletedTask;
    }
}
