using Microsoft.Extensions.Logging;
using UserApi.Audit;
using UserApi.Mail;
using UserApi.Passwords;
using UserApi.Recovery;
using UserApi.Security;
using UserApi.Sessions;
using UserApi.Users;

namespace UserApi.Accounts;

/// <summary>
/// A forgotten password: <c>forgot</c> mails a reset link to the account's verified address, <c>reset</c> spends the
/// link's token for a new password, ends every session of the user and lifts the failed-login lock.
/// </summary>
public sealed class PasswordReset(
    IUserStore users,
    RecoveryTokens tokens,
    ResetMailQueue mails,
    RecoveryMailLimit limit,
    LoginThrottle throttle,
    PasswordHasher hasher,
    SessionRevoker revoker,
    IAuditLog audit,
    TimeProvider time,
    ILogger<PasswordReset> logger)
{
    /// <summary>
    /// Asks for a reset mail. Answered the same whether the account exists, has a verified address or neither (OWASP
    /// Forgot Password Cheat Sheet): every request that passes validation and the per-address limit makes the same one
    /// read, and the mail is written after the answer (<see cref="ResetMailQueue"/>). Only a verified address is
    /// mailed, as in ASP.NET Core Identity: an unverified one may be someone else's, and its link would hand them the account.
    /// </summary>
    public async Task<Result<bool>> RequestAsync(string? username, string? email, CancellationToken cancellationToken)
    {
        if ((username is null) == (email is null))
        {
            return Failure.Validation("username", "or email is required, not both");
        }
        var usernameNormalized = username is null ? null : Username.Problem(username) is null ? Username.Normalize(username) : null;
        var emailNormalized = email is null ? null : EmailAddress.Problem(email) is null ? EmailAddress.Normalize(email) : null;
        if (usernameNormalized is null && emailNormalized is null)
        {
            return username is null ? Failure.Validation("email", "must be an email address") : Failure.Validation("username", "must be a username");
        }
        if (await limit.TryAcquireAsync((usernameNormalized ?? emailNormalized)!, cancellationToken) is { } wait)
        {
            return Failure.TooManyRequests(wait);
        }
        var mailbox = await users.FindMailboxAsync(usernameNormalized, emailNormalized, cancellationToken);
        if (mailbox is { Email: not null, EmailVerified: true })
        {
            mails.Request(mailbox);
            audit.Record(new AuditEvent(AuditEventTypes.PasswordResetRequested, AuditEvent.Ok, SubjectUserId: mailbox.UserId));
        }
        return true;
    }

    /// <summary>Sets the password the token's user chose, with the policy of registration.</summary>
    public async Task<Result<long>> ResetAsync(string? token, string? newPassword, CancellationToken cancellationToken)
    {
        if (Required.Missing(("token", token), ("newPassword", newPassword)) is { } missing)
        {
            return missing;
        }
        // Checked before the token is spent, so that a refused password leaves the link usable.
        if (PasswordPolicy.NewPasswordProblem(newPassword!) is { } problem)
        {
            return Failure.Validation("newPassword", problem);
        }
        using var admission = hasher.Admit();
        if (!admission.Admitted)
        {
            return Failure.Overloaded(admission.ExpectedWait);
        }
        var spent = await tokens.SpendAsync(MailKind.Reset, token!, cancellationToken);
        var user = spent is null ? null : await users.FindByIdAsync(spent.UserId, cancellationToken);
        if (user is null || user.Disabled)
        {
            audit.Record(new AuditEvent(AuditEventTypes.PasswordReset, Failure.InvalidRecoveryToken.Code, SubjectUserId: spent?.UserId));
            return Failure.InvalidRecoveryToken;
        }

        await users.UpdatePasswordHashAsync(user.Id, await hasher.HashAsync(newPassword!, cancellationToken), passwordChanged: true, time.GetUtcNow().UtcDateTime, cancellationToken);
        await tokens.RevokeAsync(user.Id, MailKind.Reset, cancellationToken);
        // Whoever held the old password (or a session) holds nothing now: durably, through the row's cutoff.
        var ended = await revoker.RevokeAllAsync(user.Id, null, cancellationToken);
        await throttle.UnlockAsync(user.UsernameNormalized, cancellationToken);
        audit.Record(new AuditEvent(AuditEventTypes.PasswordReset, AuditEvent.Ok, user.Id, user.Id));
        logger.LogInformation("User {UserId} reset the password; {Count} sessions ended", user.Id, ended.Count);
        return user.Id;
    }
}
