using Microsoft.Extensions.Options;
using UserApi.Audit;
using UserApi.Configuration;
using UserApi.Mfa;
using UserApi.Passwords;
using UserApi.Security;
using UserApi.Sessions;
using UserApi.Users;

namespace UserApi.Accounts;

/// <summary>
/// The caller's second factor: enrol a TOTP authenticator (nothing changes until a code confirms it), turn it off,
/// replace the recovery codes; and an administrator's reset. Turning the factor on or off ends every other session of
/// the user, as a password change does: a session started without the factor should not outlive its being required,
/// nor one that proved it its removal.
/// </summary>
public sealed class MfaManagement(
    UserLookup lookup,
    IUserStore users,
    IMfaStore store,
    MfaSecrets secrets,
    MfaVerifier verifier,
    TotpCodes totp,
    LoginThrottle throttle,
    PasswordHasher hasher,
    SessionRevoker revoker,
    IAuditLog audit,
    IOptions<ServiceOptions> service,
    TimeProvider time)
{
    /// <summary>A new secret for the caller's authenticator app, kept unconfirmed until <see cref="ConfirmTotpAsync"/>.</summary>
    public async Task<Result<TotpEnrolment>> BeginTotpAsync(long userId, CancellationToken cancellationToken)
    {
        var current = await lookup.CurrentUserAsync(userId, cancellationToken);
        if (current.Failure is { } failure)
        {
            return failure;
        }
        var user = current.Value!;
        var secret = TotpCodes.NewSecret();
        if (!await store.SetPendingAsync(user.Id, secrets.Encrypt(user.Id, secret), time.GetUtcNow().UtcDateTime, cancellationToken))
        {
            return Failure.MfaAlreadyEnabled;
        }
        return TotpCodes.Enrolment(secret, service.Value.Name, user.Username);
    }

    /// <summary>A code of the pending secret turns the factor on; the answer is the recovery codes, shown this once.</summary>
    public async Task<Result<string[]>> ConfirmTotpAsync(long userId, string currentSessionId, string? code, CancellationToken cancellationToken)
    {
        if (Required.Missing(("code", code)) is { } missing)
        {
            return missing;
        }
        var current = await lookup.CurrentUserAsync(userId, cancellationToken);
        if (current.Failure is { } failure)
        {
            return failure;
        }
        var record = await store.ReadAsync(userId, cancellationToken);
        if (record is { Enabled: true })
        {
            return Failure.MfaAlreadyEnabled;
        }
        if (record?.PendingSecret is not { } pending)
        {
            return Failure.MfaNotPending;
        }
        if (totp.MatchingStep(secrets.Decrypt(userId, pending), code!.Trim()) is not { } step)
        {
            return Failure.WrongMfaCode;
        }
        var (codes, hashes) = verifier.NewRecoveryCodes(userId);
        // The confirming code's step counts as used: it cannot also complete a login.
        if (!await store.EnableAsync(userId, pending, step, hashes, time.GetUtcNow().UtcDateTime, cancellationToken))
        {
            return Failure.MfaNotPending;
        }
        await revoker.RevokeAllAsync(userId, currentSessionId, cancellationToken);
        audit.Record(new AuditEvent(AuditEventTypes.MfaEnabled, AuditEvent.Ok, userId, userId, currentSessionId));
        return codes;
    }

    /// <summary>Turns the factor off, proved by the password or a current code.</summary>
    public async Task<Result<bool>> DisableAsync(long userId, string currentSessionId, string? password, string? code, ClientInfo client, CancellationToken cancellationToken)
    {
        if (password is null && code is null)
        {
            return Failure.Validation("password", "is required (or code)");
        }
        if (password is not null && code is not null)
        {
            return Failure.Validation("code", "must not be sent with password");
        }
        var proof = await ProveAsync(userId, password, code, client, cancellationToken);
        if (proof.Failure is { } failure)
        {
            return failure;
        }
        await store.RemoveAsync(userId, cancellationToken);
        await revoker.RevokeAllAsync(userId, currentSessionId, cancellationToken);
        audit.Record(new AuditEvent(AuditEventTypes.MfaDisabled, AuditEvent.Ok, userId, userId, currentSessionId));
        return true;
    }

    /// <summary>Ten new recovery codes in place of the old ones, proved by a current code.</summary>
    public async Task<Result<string[]>> ReplaceRecoveryCodesAsync(long userId, string currentSessionId, string? code, ClientInfo client, CancellationToken cancellationToken)
    {
        if (Required.Missing(("code", code)) is { } missing)
        {
            return missing;
        }
        var proof = await ProveAsync(userId, password: null, code, client, cancellationToken);
        if (proof.Failure is { } failure)
        {
            return failure;
        }
        var (codes, hashes) = verifier.NewRecoveryCodes(userId);
        if (!await store.ReplaceRecoveryCodesAsync(userId, hashes, cancellationToken))
        {
            return Failure.MfaNotEnabled;
        }
        audit.Record(new AuditEvent(AuditEventTypes.RecoveryCodesReplaced, AuditEvent.Ok, userId, userId, currentSessionId));
        return codes;
    }

    /// <summary>
    /// An administrator's reset of a user who lost their authenticator: the factor and its recovery codes are removed
    /// and every session of the user ends. True when a factor was on; <c>user_not_found</c> when there is no such user.
    /// </summary>
    public async Task<Result<bool>> ResetAsync(long userId, long? adminUserId, CancellationToken cancellationToken)
    {
        if (await users.FindByIdAsync(userId, cancellationToken) is null)
        {
            return Failure.UserNotFound;
        }
        var removed = await store.RemoveAsync(userId, cancellationToken);
        if (removed)
        {
            await revoker.RevokeAllAsync(userId, null, cancellationToken);
            audit.Record(new AuditEvent(AuditEventTypes.MfaReset, AuditEvent.Ok, adminUserId, userId));
        }
        return removed;
    }

    /// <summary>
    /// Proves the caller holds the account's factor (a TOTP code) or password, under the login throttle: a stolen
    /// access token must not become a way to guess either.
    /// </summary>
    private async Task<Result<bool>> ProveAsync(long userId, string? password, string? code, ClientInfo client, CancellationToken cancellationToken)
    {
        if (password is not null && PasswordPolicy.UsableProblem(password) is { } passwordProblem)
        {
            return Failure.Validation("password", passwordProblem);
        }
        var current = await lookup.CurrentUserAsync(userId, cancellationToken);
        if (current.Failure is { } failure)
        {
            return failure;
        }
        var user = current.Value!;
        if (await verifier.FactorOfAsync(userId, cancellationToken) is not { } factor)
        {
            return Failure.MfaNotEnabled;
        }
        using var admission = password is null ? null : hasher.Admit();
        if (admission is { Admitted: false })
        {
            return Failure.Overloaded(admission.ExpectedWait);
        }
        var (attempt, wait) = await throttle.TryAttemptAsync(user.UsernameNormalized, client.Ip, cancellationToken);
        if (attempt is null)
        {
            return Failure.RateLimited(wait);
        }
        if (password is not null)
        {
            var credentials = await users.ReadCredentialsAsync(userId, cancellationToken);
            if (credentials is null)
            {
                return Failure.SessionRevoked;
            }
            if (await hasher.VerifyAsync(credentials.PasswordHash, password, cancellationToken) == PasswordVerification.Failed)
            {
                throttle.Failed(attempt);
                return Failure.WrongPassword;
            }
        }
        else if (!await verifier.VerifyAsync(userId, factor, code, recoveryCode: null, cancellationToken))
        {
            throttle.Failed(attempt);
            audit.Record(new AuditEvent(AuditEventTypes.MfaChallengeFailed, Failure.WrongMfaCode.Code, userId, userId));
            return Failure.WrongMfaCode;
        }
        await throttle.ProvenAsync(attempt, cancellationToken);
        return true;
    }
}
