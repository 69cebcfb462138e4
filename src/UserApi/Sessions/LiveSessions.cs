namespace UserApi.Sessions;

public static class LiveSessions
{
    /// <summary>
    /// The user's sessions that still work, newest first: the store's, less those the end of every session
    /// (<c>POST /admin/sessions/revoke-all</c>) ended, which the store keeps until they expire: the switch is one
    /// time, not a sweep through every user's sessions.
    /// </summary>
    public static async Task<Session[]> ListLiveAsync(this ISessionStore sessions, RevocationList revocations, long userId, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        [.. (await sessions.ListAsync(userId, now, cancellationToken)).Where(session => !revocations.EndedWithEverySession(session.CreatedAt))];
}
