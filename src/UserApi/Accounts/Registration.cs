using Microsoft.Extensions.Logging;
using UserApi.Audit;
using UserApi.Passwords;
using UserApi.Users;

namespace UserApi.Accounts;

/// <summary>Seed 003's register: a new user with the default role and an Argon2id hash of the password.</summary>
public sealed class Registration(IUserStore users, PasswordHasher hasher, IAuditLog audit, TimeProvider time, ILogger<Registration> logger)
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

    public async Task<Result<User>> RegisterAsync(string? username, string? password, CancellationToken cancellationToken)
    {
        if (NewAccountProblem(username, password) is { } problem)
        {
            return problem;
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
        var user = await users.CreateAsync(new NewUser(username!.Trim(), normalized, await hasher.HashAsync(password!, cancellationToken), User.DefaultRole, now), cancellationToken);
        if (user is null)
        {
            return Failure.UsernameTaken;
        }
        logger.LogInformation("Registered user {UserId}", user.Id);
        audit.Record(new AuditEvent(AuditEventTypes.Register, AuditEvent.Ok, user.Id, user.Id));
        return user;
    }
}
