using System.Collections.Concurrent;
using System.Data.Common;
using UserApi.Diagnostics;

namespace UserApi.Users;

/// <summary>
/// Lets users this instance saw log in recently keep logging in while the database is unreachable (a MariaDB
/// restart): the last <see cref="Credentials"/> the database gave for each user are kept in this process, and served
/// only when the database cannot be read. The hash never leaves the process (the Redis cache holds none).
/// </summary>
/// <remarks>
/// The copy cannot be older than the database's last word on the user: every write through any instance evicts it
/// (the writes below, and <see cref="IUserChangeFeed"/> for the others; a missed announcement clears all), a read that
/// overlapped an announcement is not kept (as in <see cref="LocalUserCache"/>), and while
/// the database is down nothing can change a password, a disabled flag or a cutoff. A copy lives as long as a Redis
/// user row (<see cref="CachedUserStore.Expiry"/>), which bounds what a missed announcement could serve.
/// </remarks>
public sealed class OutageCredentials : IUserStore
{
    private const int Capacity = 100_000;

    private readonly IUserStore _inner;
    private readonly IUserChangeFeed _changes;
    private readonly TimeProvider _time;
    private readonly UserApiMetrics _metrics;
    private readonly ConcurrentDictionary<long, Entry> _credentials = new();

    public OutageCredentials(IUserStore inner, IUserChangeFeed changes, TimeProvider time, UserApiMetrics metrics)
    {
        _inner = inner;
        _changes = changes;
        _time = time;
        _metrics = metrics;
        changes.Changed += Evict;
        changes.Reset += _credentials.Clear;
    }

    public async Task<Credentials?> ReadCredentialsAsync(long id, CancellationToken cancellationToken)
    {
        try
        {
            var version = _changes.Version;
            var credentials = await _inner.ReadCredentialsAsync(id, cancellationToken);
            // A change announced while reading may have been missed by the read: do not keep what was read.
            if (version == _changes.Version)
            {
                Keep(id, credentials);
            }
            return credentials;
        }
        catch (DbException) when (LastKnown(id) is { } known)
        {
            _metrics.OutageCredentialsServed.Add(1);
            return known;
        }
    }

    public async Task<SessionCutoff?> ReadSessionCutoffAsync(long id, CancellationToken cancellationToken)
    {
        try
        {
            return await _inner.ReadSessionCutoffAsync(id, cancellationToken);
        }
        catch (DbException) when (LastKnown(id) is { } known)
        {
            return known.Cutoff;
        }
    }

    public Task<User?> FindByIdAsync(long id, CancellationToken cancellationToken) => _inner.FindByIdAsync(id, cancellationToken);

    public Task<User?> FindByUsernameAsync(string usernameNormalized, CancellationToken cancellationToken) =>
        _inner.FindByUsernameAsync(usernameNormalized, cancellationToken);

    public Task<User?> CreateAsync(NewUser user, CancellationToken cancellationToken) => _inner.CreateAsync(user, cancellationToken);

    public Task UpdatePasswordHashAsync(long id, string passwordHash, bool passwordChanged, DateTime now, CancellationToken cancellationToken) =>
        EvictAfter(id, _inner.UpdatePasswordHashAsync(id, passwordHash, passwordChanged, now, cancellationToken));

    public Task SetDisabledAsync(long id, bool disabled, DateTime now, CancellationToken cancellationToken) =>
        EvictAfter(id, _inner.SetDisabledAsync(id, disabled, now, cancellationToken));

    public Task DeleteAsync(User user, CancellationToken cancellationToken) =>
        EvictAfter(user.Id, _inner.DeleteAsync(user, cancellationToken));

    public Task EndSessionsAsync(long id, DateTime at, string? keptSessionId, CancellationToken cancellationToken) =>
        EvictAfter(id, _inner.EndSessionsAsync(id, at, keptSessionId, cancellationToken));

    // The email is no part of the credentials: passed through.
    public Task<bool> SetEmailAsync(long id, string? email, string? emailNormalized, DateTime now, CancellationToken cancellationToken) =>
        _inner.SetEmailAsync(id, email, emailNormalized, now, cancellationToken);

    public Task<bool> MarkEmailVerifiedAsync(long id, string emailNormalized, DateTime now, CancellationToken cancellationToken) =>
        _inner.MarkEmailVerifiedAsync(id, emailNormalized, now, cancellationToken);

    public Task<Mailbox?> FindMailboxAsync(string? usernameNormalized, string? emailNormalized, CancellationToken cancellationToken) =>
        _inner.FindMailboxAsync(usernameNormalized, emailNormalized, cancellationToken);

    public Task<User?> ReadAsync(long id, CancellationToken cancellationToken) => _inner.ReadAsync(id, cancellationToken);

    public Task<IReadOnlyList<User>> ListAsync(string usernamePrefix, long afterId, int limit, CancellationToken cancellationToken) =>
        _inner.ListAsync(usernamePrefix, afterId, limit, cancellationToken);

    public Task SetRoleAsync(long id, string role, DateTime now, CancellationToken cancellationToken) =>
        _inner.SetRoleAsync(id, role, now, cancellationToken);

    /// <summary>A login's time is worth less than the login: while the database is down it is not recorded.</summary>
    public async Task RecordLoginAsync(long id, DateTime at, CancellationToken cancellationToken)
    {
        try
        {
            await _inner.RecordLoginAsync(id, at, cancellationToken);
        }
        catch (DbException) when (LastKnown(id) is not null)
        {
        }
    }

    public async Task EndEverySessionAsync(DateTime at, CancellationToken cancellationToken)
    {
        try
        {
            await _inner.EndEverySessionAsync(at, cancellationToken);
        }
        finally
        {
            _credentials.Clear();
        }
    }

    public Task<DateTime?> ReadEverySessionEndedAtAsync(CancellationToken cancellationToken) => _inner.ReadEverySessionEndedAtAsync(cancellationToken);

    private void Keep(long id, Credentials? credentials)
    {
        if (credentials is null)
        {
            Evict(id);
            return;
        }
        if (_credentials.Count >= Capacity)
        {
            _credentials.Clear();
        }
        _credentials[id] = new Entry(credentials, _time.GetUtcNow() + CachedUserStore.Expiry);
    }

    private Credentials? LastKnown(long id) =>
        _credentials.TryGetValue(id, out var entry) && entry.ExpiresAt > _time.GetUtcNow() ? entry.Credentials : null;

    private async Task EvictAfter(long id, Task write)
    {
        try
        {
            await write;
        }
        finally
        {
            Evict(id);
        }
    }

    private void Evict(long id) => _credentials.TryRemove(id, out _);

    private sealed record Entry(Credentials Credentials, DateTimeOffset ExpiresAt);
}
