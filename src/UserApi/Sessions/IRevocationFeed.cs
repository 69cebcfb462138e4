namespace UserApi.Sessions;

/// <summary>How instances tell each other that sessions were revoked.</summary>
public interface IRevocationFeed
{
    /// <summary>Starts listening and loading the revocations made while this instance was away (see <see cref="RevocationList.IsComplete"/>).</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Tells the other instances that every session started before <paramref name="at"/> is over; returns the time they
    /// hold, which may be later: the shared store's clock, by which it stamps refreshed tokens, may be ahead of this one's.
    /// </summary>
    Task<DateTimeOffset> PublishEverySessionEndedAsync(DateTimeOffset at);
}

/// <summary>Embedded mode: one process, so the local <see cref="RevocationList"/> is the whole truth.</summary>
public sealed class LocalRevocationFeed : IRevocationFeed
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<DateTimeOffset> PublishEverySessionEndedAsync(DateTimeOffset at) => Task.FromResult(at);
}
