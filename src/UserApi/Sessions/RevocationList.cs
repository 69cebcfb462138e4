using System.Collections.Concurrent;

using UserApi.Infrastructure;

namespace UserApi.Sessions;

/// <summary>
/// Session ids whose access tokens must stop working before they expire. Checked on every authenticated
/// request, so it is a local lookup with no network round trip; other instances' revocations reach it
/// through <see cref="IRevocationFeed"/>. An entry only has to outlive the longest access token.
/// </summary>
/// <remarks>
/// A list that may lack revocations made elsewhere must not be trusted: until <see cref="IsComplete"/>, access
/// tokens are answered 503 (fail closed), never accepted. In process the list is the whole truth, so it is
/// complete from the start; the Redis feed marks it incomplete until it has read the shared record.
/// </remarks>
public sealed class RevocationList(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);
    private readonly IntervalGate _sweep = new(TimeSpan.FromMinutes(1));
    private volatile bool _complete = true;
    private long _everySessionEndedAtSeconds;

    /// <summary>Whether every revocation recorded anywhere (up to the feed's last read) is in the list. One volatile read: it is on every request.</summary>
    public bool IsComplete => _complete;

    public void MarkIncomplete() => _complete = false;

    public void MarkComplete() => _complete = true;

    /// <summary>
    /// Every session (and access token) started before this time, in whole Unix seconds, is over
    /// (<c>POST /admin/sessions/revoke-all</c>): one comparison with a token's <c>iat</c>, on every request.
    /// </summary>
    public long EverySessionEndedAtSeconds => Volatile.Read(ref _everySessionEndedAtSeconds);

    /// <summary>Whether a session that started at <paramref name="startedAt"/> was ended by the end of every session.</summary>
    public bool EndedWithEverySession(DateTimeOffset startedAt) => startedAt.ToUnixTimeMilliseconds() < EverySessionEndedAtSeconds * 1000;

    /// <summary>Moves the end of every session forward to <paramref name="at"/> (whole seconds); never back.</summary>
    public void EndEverySession(DateTimeOffset at)
    {
        var seconds = at.ToUnixTimeSeconds();
        var current = Volatile.Read(ref _everySessionEndedAtSeconds);
        while (seconds > current)
        {
            var seen = Interlocked.CompareExchange(ref _everySessionEndedAtSeconds, seconds, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    public bool IsRevoked(string sessionId) =>
        _revoked.TryGetValue(sessionId, out var until) && until > time.GetUtcNow();

    public void Add(string sessionId, DateTimeOffset until)
    {
        _revoked.AddOrUpdate(sessionId, until, (_, existing) => existing > until ? existing : until);
        SweepExpired();
    }

    private void SweepExpired()
    {
        var now = time.GetUtcNow();
        if (!_sweep.TryEnter(now))
        {
            return;
        }
        foreach (var (id, until) in _revoked)
        {
            if (until <= now)
            {
                _revoked.TryRemove(KeyValuePair.Create(id, until));
            }
        }
    }
}
