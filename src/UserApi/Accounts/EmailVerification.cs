using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UserApi.Audit;
using UserApi.Configuration;
using UserApi.Mail;
using UserApi.Recovery;
using UserApi.Security;
using UserApi.Users;

namespace UserApi.Accounts;

/// <summary>The account's email: set or changed by its owner, confirmed by the token mailed to it.</summary>
public sealed class EmailVerification(
    UserLookup lookup,
    IUserStore users,
    RecoveryTokens tokens,
    RecoveryMailLimit limit,
    IAuditLog audit,
    IOptions<AuthOptions> options,
    TimeProvider time,
    ILogger<EmailVerification> logger)
{
    private TimeSpan Lifetime => TimeSpan.FromSeconds(options.Value.VerifyTokenExpire);

    /// <summary>Sets the caller's email, not verified until the mailed token comes back; the tokens sent to the old one stop working.</summary>
    public async Task<Result<User>> SetAsync(long userId, string? email, CancellationToken cancellationToken)
    {
        if (Required.Missing(("email", email)) is { } missing)
        {
            return missing;
        }
        if (EmailAddress.Problem(email!) is { } problem)
        {
            return Failure.Validation("email", problem);
        }
        var current = await lookup.CurrentUserAsync(userId, cancellationToken);
        if (current.Failure is { } failure)
        {
            return failure;
        }
        var user = current.Value!;
        var normalized = EmailAddress.Normalize(email!)!;
        var address = EmailAddress.Canonical(email!);
        if (user.EmailVerified && user.Email is { } existing && EmailAddress.Normalize(existing) == normalized)
        {
            return user;
        }
        if (await limit.TryAcquireAsync(normalized, cancellationToken) is { } wait)
        {
            return Failure.TooManyRequests(wait);
        }
        if (!await users.SetEmailAsync(user.Id, address, normalized, time.GetUtcNow().UtcDateTime, cancellationToken))
        {
            audit.Record(new AuditEvent(AuditEventTypes.EmailSet, Failure.EmailTaken.Code, user.Id, user.Id));
            return Failure.EmailTaken;
        }
        // A reset link mailed to the previous address must not outlive the change.
        await tokens.RevokeAsync(user.Id, null, cancellationToken);
        await tokens.IssueAsync(MailKind.Verify, user.Id, user.Username, address, normalized, Lifetime, cancellationToken);
        audit.Record(new AuditEvent(AuditEventTypes.EmailSet, AuditEvent.Ok, user.Id, user.Id));
        logger.LogInformation("User {UserId} set an email address; verification mail queued", user.Id);
        return user with { Email = address, EmailVerified = false };
    }

    /// <summary>Sends a new verification mail to the caller's unverified address; the previous link stops working.</summary>
    public async Task<Result<User>> ResendAsync(long userId, CancellationToken cancellationToken)
    {
        var current = await lookup.CurrentUserAsync(userId, cancellationToken);
        if (current.Failure is { } failure)
        {
            return failure;
        }
        var user = current.Value!;
        if (user.Email is null)
        {
            return Failure.EmailNotSet;
        }
        if (user.EmailVerified)
        {
            return Failure.EmailAlreadyVerified;
        }
        var normalized = EmailAddress.Normalize(user.Email)!;
        if (await limit.TryAcquireAsync(normalized, cancellationToken) is { } wait)
        {
            return Failure.TooManyRequests(wait);
        }
        await tokens.IssueAsync(MailKind.Verify, user.Id, user.Username, user.Email, normalized, Lifetime, cancellationToken);
        return user;
    }

    /// <summary>Marks the address the token was mailed to verified, if the account still has it.</summary>
    public async Task<Result<long>> VerifyAsync(string? token, CancellationToken cancellationToken)
    {
        if (Required.Missing(("token", token)) is { } missing)
        {
            return missing;
        }
        var spent = await tokens.SpendAsync(MailKind.Verify, token!, cancellationToken);
        if (spent?.EmailNormalized is null
            || !await users.MarkEmailVerifiedAsync(spent.UserId, spent.EmailNormalized, time.GetUtcNow().UtcDateTime, cancellationToken))
        {
            audit.Record(new AuditEvent(AuditEventTypes.EmailVerified, Failure.InvalidRecoveryToken.Code, SubjectUserId: spent?.UserId));
            return Failure.InvalidRecoveryToken;
        }
        audit.Record(new AuditEvent(AuditEventTypes.EmailVerified, AuditEvent.Ok, spent.UserId, spent.UserId));
        return spent.UserId;
    }
}
