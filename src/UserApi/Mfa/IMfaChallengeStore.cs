using UserApi.Users;

namespace UserApi.Mfa;

/// <summary>
/// A login waiting for its second factor: whose password was proved, when, and the user's <see cref="SessionCutoff"/>
/// as it was then, so that sessions ended meanwhile (a password change) end this login too.
/// </summary>
public sealed record MfaChallenge(long UserId, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, SessionCutoff Cutoff);

/// <summary>
/// Pending second-factor challenges, by the hash of their <c>mfaToken</c> (a token is never stored, only what
/// recognises it): in process in embedded mode, in Redis shared by every instance in production, so that a login
/// started on one instance completes on another and a token completes one login at most.
/// </summary>
public interface IMfaChallengeStore
{
    Task AddAsync(string tokenHash, MfaChallenge challenge, CancellationToken cancellationToken);

    /// <summary>The challenge, left in place; null when unknown, used or expired at <paramref name="now"/>.</summary>
    Task<MfaChallenge?> FindAsync(string tokenHash, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Removes the challenge; true for exactly one caller however many race.</summary>
    Task<bool> ConsumeAsync(string tokenHash, CancellationToken cancellationToken);
}
