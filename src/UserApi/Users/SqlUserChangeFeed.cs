using Dapper;
using UserApi.Infrastructure;

namespace UserApi.Users;

/// <summary>
/// Embedded mode's user changes: announced in process, and recorded in the <c>user_changes</c> table, so that a
/// running server learns of what another process changed (<c>user-api disable|enable|delete</c>), whose sessions
/// and caches it cannot reach: the server reads the rows other processes wrote (<see cref="PollAsync"/>, every
/// second) and evicts those users.
/// </summary>
public sealed class SqlUserChangeFeed(SqlDialect dialect, TimeProvider time) : IUserChangeFeed
{
    /// <summary>How long a recorded change is kept: a server reads it within a second, or was not running.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    private const long Overlap = 100;

    private readonly LocalUserChangeFeed _inProcess = new();
    private readonly string _origin = Ids.New();
    private readonly IntervalGate _prune = new(TimeSpan.FromMinutes(1));
    private readonly HashSet<long> _recentlyRead = [];
    private long _readUpTo;

    public event Action<long>? Changed
    {
        add => _inProcess.Changed += value;
        remove => _inProcess.Changed -= value;
    }

    public event Action? Reset
    {
        add { }
        remove { }
    }

    public long Version => _inProcess.Version;

    /// <summary>Skips what was recorded before the start: a server that just started holds no sessions or cached users.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = dialect.CreateConnection();
        var last = await connection.QueryAsync<long>(new CommandDefinition(
            $"SELECT id FROM user_changes ORDER BY id DESC LIMIT {Overlap}", cancellationToken: cancellationToken));
        _recentlyRead.UnionWith(last);
        _readUpTo = _recentlyRead.Count > 0 ? _recentlyRead.Max() : 0;
    }

    public async Task PublishAsync(long userId, CancellationToken cancellationToken)
    {
        await _inProcess.PublishAsync(userId, cancellationToken);
        await using var connection = dialect.CreateConnection();
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO user_changes (user_id, origin, changed_at) VALUES (@userId, @origin, @now)",
            new { userId, origin = _origin, now = time.GetUtcNow().UtcDateTime }, cancellationToken: cancellationToken));
    }

    /// <summary>The users other processes changed since the last poll, each evicted (<see cref="Changed"/>) before it is returned.</summary>
    public async Task<IReadOnlyList<long>> PollAsync(CancellationToken cancellationToken)
    {
        // MySQL may make an AUTO_INCREMENT id visible after a larger one (two inserts committing in the other
        // order): the last ids read are read again, and what was already seen is skipped.
        var from = Math.Max(0, _readUpTo - Overlap);
        await using var connection = dialect.CreateConnection();
        var rows = (await connection.QueryAsync<ChangeRow>(new CommandDefinition(
            "SELECT id AS Id, user_id AS UserId, origin AS Origin FROM user_changes WHERE id > @from ORDER BY id",
            new { from }, cancellationToken: cancellationToken))).Where(r => _recentlyRead.Add(r.Id)).ToList();
        if (rows.Count > 0)
        {
            _readUpTo = Math.Max(_readUpTo, rows[^1].Id);
            _recentlyRead.RemoveWhere(id => id <= _readUpTo - Overlap);
        }
        var changed = rows.Where(r => r.Origin != _origin).Select(r => r.UserId).Distinct().ToList();
        foreach (var userId in changed)
        {
            await _inProcess.PublishAsync(userId, cancellationToken);
        }
        var now = time.GetUtcNow();
        if (_prune.TryEnter(now))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM user_changes WHERE changed_at < @before", new { before = (now - Retention).UtcDateTime }, cancellationToken: cancellationToken));
        }
        return changed;
    }

    private sealed class ChangeRow
    {
        public long Id { get; init; }
        public long UserId { get; init; }
        public string Origin { get; init; } = "";
    }
}
