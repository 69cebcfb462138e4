using Microsoft.Extensions.Logging;
using UserApi.Mail;
using UserApi.Audit;
using UserApi.Passwords;
using UserApi.Recovery;
using UserApi.Security;
using UserApi.Sessions;
using UserApi.Users;

namespace UserApi.Accounts;

/// <summary>Changes the caller's password and ends every other session of the user (the current one stays).</summary>
public sealed class PasswordChange(
    UserLookup lookup,
    IUserStore users,
    LoginThrottle throttle,
    PasswordHasher hasher,
    SessionRevoker revoker,
    RecoveryTokens recoveryTokens,
    IAuditLog audit,
    TimeProvider time,
    ILogger<PasswordChange> logger)
{
    public async Task<Result<User>> ChangeAsync(long userId, string currentSessionId, string? oldPassword, string? newPassword, ClientInfo client, CancellationToken cancellationToken)
    {
        if (Required.Missing(("oldPassword", oldPassword), ("newPassword", newPassword)) is { } missing)
        {
            return missing;
        }
        if (PasswordPolicy.UsableProblem(oldPassword!) is { } oldProblem)
        {
            return Failure.Validation("oldPassword", oldProblem);
        }
        if (PasswordPolicy.NewPasswordProblem(newPassword!) is { } newProblem)
        {
            return Failure.Validation("newPassword", newProblem);
        }
        var current = await lookup.CurrentUserAsync(userId, cancellationToken);
        if (current.Failure is { } failure)
        {
            return failure;
        }
        var user = current.Value!;
        using var admission = hasher.Admit();
        if (!admission.Admitted)
        {
            return Failure.Overloaded(admission.ExpectedWait);
        }
        // A stolen access token must not become a way to guess the password.
        var (attempt, wait) = await throttle.TryAttemptAsync(user.UsernameNormalized, client.Ip, cancellationToken);
        if (attempt is null)
        {
            return Failure.RateLimited(wait);
        }
        // The hash is read from the database, past every cache (the Redis cache holds none).
        var credentials = await users.ReadCredentialsAsync(user.Id, cancellationToken);
        if (credentials is null)
        {
            return Failure.SessionRevoked;
        }
        if (await hasher.VerifyAsync(credentials.PasswordHash, oldPassword!, cancellationToken) == PasswordVerification.Failed)
        {
            throttle.Failed(attempt);
            audit.Record(new AuditEvent(AuditEventTypes.PasswordChanged, Failure.WrongPassword.Code, user.Id, user.Id, currentSessionId));
            return Failure.WrongPassword;
        }
        await throttle.ProvenAsync(attempt, cancellationToken);

        await users.UpdatePasswordHashAsync(user.Id, await hasher.HashAsync(newPassword!, cancellationToken), passwordChanged: true, time.GetUtcNow().UtcDateTime, cancellationToken);
        // A reset link mailed earlier would undo the change: it stops working.
        await recoveryTokens.RevokeAsync(user.Id, MailKind.Reset, cancellationToken);
        var ended = await revoker.RevokeAllAsync(user.Id, currentSessionId, cancellationToken);
        logger.LogInformation("User {UserId} changed password; {Count} other sessions ended", user.Id, ended.Count);
        audit.Record(new AuditEvent(AuditEventTypes.PasswordChanged, AuditEvent.Ok, user.Id, user.Id, currentSessionId));
        return user;
    }
}
