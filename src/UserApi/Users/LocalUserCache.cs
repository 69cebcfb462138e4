using System.Collections.Concurrent;

namespace UserApi.Users;

/// <summary>
/// A first-level, in-process cache of users by id in front of the store (and its Redis cache), so that the
/// hot path (<c>GET /user/info</c>) makes no network round trip once warm. It stays coherent across
/// instances through <see cref="IUserChangeFeed"/>: every write here evicts locally and tells the other
/// instances to evict; entries also expire after <see cref="Lifetime"/> as a bound on any missed message.
/// </summary>
public sealed class LocalUserCache : IUserStore
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);
    private const int Capacity = 100_000;

    private readonly IUserStore _inner;
    private readonly IUserChangeFeed _changes;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<long, Entry> _users = new();

    public LocalUserCache(IUserStore inner, IUserChangeFeed changes, TimeProvider time)
    {
        _inner = inner;
        _changes = changes;
        _time = time;
        changes.Changed += Evict;
        changes.Reset += _users.Clear;
    }

    /// <summary>A hit hands out the task made when the user was cached: nothing is allocated per request.</summary>
    public Task<User?> FindByIdAsync(long id, CancellationToken cancellationToken) =>
        _users.TryGetValue(id, out var entry) && entry.ExpiresAt > _time.GetUtcNow() ? entry.Found : LoadAsync(id, cancellationToken);

    private async Task<User?> LoadAsync(long id, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var version = _changes.Version;
        var user = await _inner.FindByIdAsync(id, cancellationToken);
        // A change announced while loading may have been missed by the load: do not keep what was read.
        if (user is not null && version == _changes.Version)
        {
            if (_users.Count >= Capacity)
            {
                _users.Clear();
            }
            _users[id] = new Entry(Task.FromResult<User?>(user), now + Lifetime);
        }
        return user;
    }

    public Task<User?> FindByUsernameAsync(string usernameNormalized, CancellationToken cancellationToken) =>
        _inner.FindByUsernameAsync(usernameNormalized, cancellationToken);

    public async Task<User?> CreateAsync(NewUser user, CancellationToken cancellationToken) =>
        await _inner.CreateAsync(user, cancellationToken);

    public async Task UpdatePasswordHashAsync(long id, string passwordHash, bool passwordChanged, DateTime now, CancellationToken cancellationToken)
    {
        await _inner.UpdatePasswordHashAsync(id, passwordHash, passwordChanged, now, cancellationToken);
        await ChangedAsync(id, cancellationToken);
    }

    public async Task SetDisabledAsync(long id, bool disabled, DateTime now, CancellationToken cancellationToken)
    {
        await _inner.SetDisabledAsync(id, disabled, now, cancellationToken);
        await ChangedAsync(id, cancellationToken);
    }

    public async Task DeleteAsync(User user, CancellationToken cancellationToken)
    {
        await _inner.DeleteAsync(user, cancellationToken);
        await ChangedAsync(user.Id, cancellationToken);
    }

    public async Task EndSessionsAsync(long id, DateTime at, string? keptSessionId, CancellationToken cancellationToken)
    {
        await _inner.EndSessionsAsync(id, at, keptSessionId, cancellationToken);
        await ChangedAsync(id, cancellationToken);
    }

    public async Task<bool> SetEmailAsync(long id, string? email, string? emailNormalized, DateTime now, CancellationToken cancellationToken)
    {
        var set = await _inner.SetEmailAsync(id, email, emailNormalized, now, cancellationToken);
        await ChangedAsync(id, cancellationToken);
        return set;
    }

    public async Task<bool> MarkEmailVerifiedAsync(long id, string emailNormalized, DateTime now, CancellationToken cancellationToken)
    {
        var marked = await _inner.MarkEmailVerifiedAsync(id, emailNormalized, now, cancellationToken);
        await ChangedAsync(id, cancellationToken);
        return marked;
    }

    public Task<Mailbox?> FindMailboxAsync(string? usernameNormalized, string? emailNormalized, CancellationToken cancellationToken) =>
        _inner.FindMailboxAsync(usernameNormalized, emailNormalized, cancellationToken);

    public Task<SessionCutoff?> ReadSessionCutoffAsync(long id, CancellationToken cancellationToken) =>
        _inner.ReadSessionCutoffAsync(id, cancellationToken);

    public Task<Credentials?> ReadCredentialsAsync(long id, CancellationToken cancellationToken) =>
        _inner.ReadCredentialsAsync(id, cancellationToken);

    public async Task SetRoleAsync(long id, string role, DateTime now, CancellationToken cancellationToken)
    {
        await _inner.SetRoleAsync(id, role, now, cancellationToken);
        await ChangedAsync(id, cancellationToken);
    }

    public Task<User?> ReadAsync(long id, CancellationToken cancellationToken) => _inner.ReadAsync(id, cancellationToken);

    public Task<IReadOnlyList<User>> ListAsync(string usernamePrefix, long afterId, int limit, CancellationToken cancellationToken) =>
        _inner.ListAsync(usernamePrefix, afterId, limit, cancellationToken);

    public Task RecordLoginAsync(long id, DateTime at, CancellationToken cancellationToken) => _inner.RecordLoginAsync(id, at, cancellationToken);

    public Task EndEverySessionAsync(DateTime at, CancellationToken cancellationToken) => _inner.EndEverySessionAsync(at, cancellationToken);

    public Task<DateTime?> ReadEverySessionEndedAtAsync(CancellationToken cancellationToken) => _inner.ReadEverySessionEndedAtAsync(cancellationToken);

    private async Task ChangedAsync(long id, CancellationToken cancellationToken)
    {
        Evict(id);
        await _changes.PublishAsync(id, cancellationToken);
    }

    private void Evict(long id) => _users.TryRemove(id, out _);

    private sealed record Entry(Task<User?> Found, DateTimeOffset ExpiresAt);
}
