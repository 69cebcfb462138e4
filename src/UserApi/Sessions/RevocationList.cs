using System.Collections.Concurrent;

namespace UserApi.Sessions;

/// <summary>
/// Session ids whose access tokens must stop working before they expire. Checked on every authenticated
/// request, so it is a local lookup; an entry only has to outlive the longest access token.
/// </summary>
public sealed class RevocationList(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);

    public bool IsRevoked(string sessionId) =>
        _revoked.TryGetValue(sessionId, out var until) && until > time.GetUtcNow();

    public void Add(string sessionId, DateTimeOffset until)
    {
        _revoked[sessionId] = until;
        var now = time.GetUtcNow();
        foreach (var (id, expiry) in _revoked)
        {
            if (expiry <= now)
            {
                _revoked.TryRemove(KeyValuePair.Create(id, expiry));
            }
        }
    }
}
