using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UserApi.Audit;
using UserApi.Configuration;
using UserApi.Mail;
using UserApi.Passwords;
using UserApi.Recovery;
using UserApi.Users;

namespace UserApi.Accounts;

/// <summary>
/// Seed 003's register: a new user with the default role and an Argon2id hash of the password; with an email (optional
/// unless <c>Auth.RequireEmail</c>), a verification mail to it.
/// </summary>
public sealed class Registration(
    IUserStore users,
    PasswordHasher hasher,
    RecoveryTokens tokens,
    IAuditLog audit,
    IOptions<AuthOptions> options,
    TimeProvider time,
    ILogger<Registration> logger)
{
    /// <summary>Why a new account's name and password are refused (a registration's, an admin's, the CLI's); null if they are not.</summary>
    public static Failure? NewAccountProblem(string? username, string? password)
    {
        if (Required.Missing(("username", username), ("password", password)) is { } missing)
        {
            return missing;
        }
        if (Username.Problem(username!) is { } usernameProblem)
        {
            return Failure.Validation("username", usernameProblem);
        }
        return PasswordPolicy.NewPasswordProblem(password!) is { } passwordProblem ? Failure.Validation("password", passwordProblem) : null;
    }

    public async Task<Result<User>> RegisterAsync(string? username, string? password, string? email, CancellationToken cancellationToken)
    {
        if (email is null && options.Value.RequireEmail)
        {
            return Failure.Validation("email", "is required");
        }
        if (NewAccountProblem(username, password) is { } problem)
        {
            return problem;
        }
        if (email is not null && EmailAddress.Problem(email) is { } emailProblem)
        {
            return Failure.Validation("email", emailProblem);
        }

        using var admission = hasher.Admit();
        if (!admission.Admitted)
        {
            return Failure.Overloaded(admission.ExpectedWait);
        }
        var normalized = Username.Normalize(username!)!;
        if (await users.FindByUsernameAsync(normalized, cancellationToken) is not null)
        {
            return Failure.UsernameTaken;
        }
        var now = time.GetUtcNow().UtcDateTime;
        var emailNormalized = email is null ? null : EmailAddress.Normalize(email);
        var user = await users.CreateAsync(new NewUser(username!.Trim(), normalized, await hasher.HashAsync(password!, cancellationToken), User.DefaultRole, now)
        {
            Email = email is null ? null : EmailAddress.Canonical(email),
            EmailNormalized = emailNormalized,
        }, cancellationToken);
        if (user is null)
        {
            return emailNormalized is not null && await users.FindByUsernameAsync(normalized, cancellationToken) is null
                && await users.FindMailboxAsync(null, emailNormalized, cancellationToken) is not null
                ? Failure.EmailTaken
                : Failure.UsernameTaken;
        }
        logger.LogInformation("Registered user {UserId}", user.Id);
        audit.Record(new AuditEvent(AuditEventTypes.Register, AuditEvent.Ok, user.Id, user.Id));
        if (user.Email is not null)
        {
            await tokens.IssueAsync(MailKind.Verify, user.Id, user.Username, user.Email, emailNormalized!, TimeSpan.FromSeconds(options.Value.VerifyTokenExpire), cancellationToken);
            audit.Record(new AuditEvent(AuditEventTypes.EmailSet, AuditEvent.Ok, user.Id, user.Id));
        }
        return user;
    }
}
