using UserApi.Passwords;
using UserApi.Security;
using UserApi.Sessions;
using UserApi.Tokens;
using UserApi.Users;

namespace UserApi.Accounts;

/// <summary>Seed 003's login: the password checked under the brute-force throttle, then a new session and its token pair.</summary>
public sealed class Login(IUserStore users, LoginThrottle throttle, PasswordHasher hasher, SessionStarter sessions, TokenService tokens, TimeProvider time)
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
            return Failure.RateLimited(wait);
        }

        var user = normalized is null ? null : await users.FindByUsernameAsync(normalized, cancellationToken);
        // Read before the hash, from the database: an ending of the user's sessions during the hash shows as a change.
        // An unknown name reads too (no row), so that the answer's timing does not tell them apart.
        var cutoff = normalized is null ? null : await users.ReadSessionCutoffAsync(user?.Id ?? 0, cancellationToken);
        // An unknown name costs the same hash as a known one, so the answer's timing does not tell them apart.
        var verification = user is null ? await hasher.VerifyDummyAsync(password!, cancellationToken) : await hasher.VerifyAsync(user.PasswordHash, password!, cancellationToken);
        if (user is null || cutoff is null || verification == PasswordVerification.Failed || user.Disabled)
        {
            throttle.Failed(attempt);
            return Failure.InvalidCredentials;
        }
        await throttle.SucceededAsync(attempt, cancellationToken);
        if (verification == PasswordVerification.SucceededRehashNeeded)
        {
            await users.UpdatePasswordHashAsync(user.Id, await hasher.HashAsync(password!, cancellationToken), passwordChanged: false, time.GetUtcNow().UtcDateTime, cancellationToken);
        }

        var session = await sessions.StartAsync(user.Id, cutoff, client.Ip, client.UserAgent, cancellationToken);
        // The password was proved against an account whose sessions have since been ended: it may no longer be its password.
        return session is null ? Failure.InvalidCredentials : tokens.Issue(user, session);
    }
}
