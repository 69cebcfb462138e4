namespace UserApi.Mfa;

/// <summary>A user's second factor as stored: the encrypted secrets (<see cref="MfaSecrets"/>), whether it is on, and the last step accepted.</summary>
/// <param name="Secret">The confirmed secret, encrypted; null until a factor is confirmed.</param>
/// <param name="PendingSecret">A secret handed out by an enrolment and not yet confirmed, encrypted.</param>
/// <param name="LastStep">The TOTP time step last accepted (RFC 6238 §4: Unix time / 30); -1 before any.</param>
public sealed record MfaRecord(string? Secret, bool Enabled, string? PendingSecret, long LastStep);

/// <summary>
/// The second factors, in the database beside the users (table <c>user_mfa</c> and <c>mfa_recovery_codes</c>): shared
/// by every instance, so that each rule that must hold once (a step accepted once, a recovery code used once) is one
/// conditional statement that only one instance can win.
/// </summary>
public interface IMfaStore
{
    Task<MfaRecord?> ReadAsync(long userId, CancellationToken cancellationToken);

    /// <summary>Keeps a new unconfirmed secret, replacing any earlier one; false when the user's factor is already on.</summary>
    Task<bool> SetPendingAsync(long userId, string pendingSecret, DateTime now, CancellationToken cancellationToken);

    /// <summary>
    /// Turns the factor on with the pending secret that was confirmed, its step used and the recovery codes' hashes;
    /// false when the pending secret changed meanwhile (another enrolment) or the factor is already on.
    /// </summary>
    Task<bool> EnableAsync(long userId, string pendingSecret, long step, IReadOnlyList<string> recoveryCodeHashes, DateTime now, CancellationToken cancellationToken);

    /// <summary>Accepts the step when it is later than the last one accepted (RFC 6238 §5.2: never the same OTP twice); false otherwise.</summary>
    Task<bool> UseStepAsync(long userId, long step, CancellationToken cancellationToken);

    /// <summary>Uses up the recovery code; false when the user has no such unused code.</summary>
    Task<bool> UseRecoveryCodeAsync(long userId, string codeHash, CancellationToken cancellationToken);

    /// <summary>The recovery codes the user has left.</summary>
    Task<int> CountRecoveryCodesAsync(long userId, CancellationToken cancellationToken);

    /// <summary>Replaces every recovery code of a user whose factor is on; false when it is off.</summary>
    Task<bool> ReplaceRecoveryCodesAsync(long userId, IReadOnlyList<string> recoveryCodeHashes, CancellationToken cancellationToken);

    /// <summary>Removes the factor, pending secret and recovery codes; whether a factor was on.</summary>
    Task<bool> RemoveAsync(long userId, CancellationToken cancellationToken);
}
