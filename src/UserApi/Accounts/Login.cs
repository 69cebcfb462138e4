using UserApi.Audit;
using UserApi.Passwords;
using UserApi.Security;
using UserApi.Sessions;
using UserApi.Tokens;
using UserApi.Users;

namespace UserApi.Accounts;

/// <summary>Seed 003's login: the password checked under the brute-force throttle, then a new session and its token pair.</summary>
/// <remarks>Every outcome past validation is an audit event: who (when the name is a user's), from where, and why not.</remarks>
public sealed class Login(IUserStore users, LoginThrottle throttle, PasswordHasher hasher, SessionStarter sessions, TokenService tokens, IAuditLog audit, TimeProvider time)
{
    public async Task<Result<TokenPair>> LoginAsync(string? username, string? password, ClientInfo client, CancellationToken cancellationToken)
    {
        if (Required.Missing(("username", username), ("password", password)) is { } missing)
        {
            return missing;
        }
        if (PasswordPolicy.UsableProblem(password!) is { } passwordProblem)
        {
            return Failure.Validation("password", passwordProblem);
        }

        using var admission = hasher.Admit();
        if (!admission.Admitted)
        {
            return Failure.Overloaded(admission.ExpectedWait);
        }

        // A name no account can have is counted like any unknown one, without a look-up.
        var normalized = Username.Problem(username!) is null ? Username.Normalize(username!)! : null;
        var account = normalized ?? username!;
        var (attempt, wait) = await throttle.TryAttemptAsync(account, client.Ip, cancellationToken);
        if (attempt is null)
        {
            // The account's id, when the name is one's, so that the refusal shows in its audit trail (a cached look-up).
            var locked = normalized is null ? null : await users.FindByUsernameAsync(normalized, cancellationToken);
            audit.Record(new AuditEvent(AuditEventTypes.LoginRateLimited, Failure.RateLimitedCode, SubjectUserId: locked?.Id));
            return Failure.RateLimited(wait);
        }

        var user = normalized is null ? null : await users.FindByUsernameAsync(normalized, cancellationToken);
        // The hash, the disabled flag and the cutoff come from the database, never from a cache (the Redis cache holds
        // no hash), in the one query the cutoff needs anyway: read before the hash, so that an ending of the user's
        // sessions during the hash shows as a change. An unknown name reads too (no row), and costs the same hash as a
        // known one, so that the answer's timing does not tell them apart.
        var credentials = normalized is null ? null : await users.ReadCredentialsAsync(user?.Id ?? 0, cancellationToken);
        var verification = credentials is null ? await hasher.VerifyDummyAsync(password!, cancellationToken) : await hasher.VerifyAsync(credentials.PasswordHash, password!, cancellationToken);
        if (user is null || credentials is null || verification == PasswordVerification.Failed || credentials.Disabled)
        {
            throttle.Failed(attempt);
            audit.Record(new AuditEvent(AuditEventTypes.LoginFailed, Failure.InvalidCredentials.Code, SubjectUserId: user?.Id));
            return Failure.InvalidCredentials;
        }
        await throttle.SucceededAsync(attempt, cancellationToken);
        if (verification == PasswordVerification.SucceededRehashNeeded)
        {
            await users.UpdatePasswordHashAsync(user.Id, await hasher.HashAsync(password!, cancellationToken), passwordChanged: false, time.GetUtcNow().UtcDateTime, cancellationToken);
        }

        var session = await sessions.StartAsync(user.Id, credentials.Cutoff, client.Ip, client.UserAgent, cancellationToken);
        if (session is null)
        {
            // The password was proved against an account whose sessions have since been ended: it may no longer be its password.
            audit.Record(new AuditEvent(AuditEventTypes.LoginFailed, Failure.InvalidCredentials.Code, SubjectUserId: user.Id));
            return Failure.InvalidCredentials;
        }
        await users.RecordLoginAsync(user.Id, session.CreatedAt.UtcDateTime, cancellationToken);
        audit.Record(new AuditEvent(AuditEventTypes.LoginSucceeded, AuditEvent.Ok, user.Id, user.Id, session.Id));
        return tokens.Issue(user, session);
    }
}
