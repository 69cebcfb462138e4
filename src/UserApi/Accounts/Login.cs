using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using UserApi.Audit;
using UserApi.Configuration;
using UserApi.Mfa;
using UserApi.Passwords;
using UserApi.Security;
using UserApi.Sessions;
using UserApi.Tokens;
using UserApi.Users;

namespace UserApi.Accounts;

/// <summary>
/// Seed 003's login: the password checked under the brute-force throttle, then a new session and its token pair. For
/// an account with a second factor the password alone yields a single-use <c>mfaToken</c> instead, which
/// <see cref="CompleteAsync"/> turns into the session once a code proves the factor; a code may also come with the
/// password in one call.
/// </summary>
public sealed class Login(
    IUserStore users,
    LoginThrottle throttle,
    PasswordHasher hasher,
    SessionStarter sessions,
    TokenService tokens,
    MfaVerifier mfa,
    IMfaChallengeStore challenges,
    IAuditLog audit,
    IOptions<AuthOptions> options,
    TimeProvider time)
{
    public static readonly TimeSpan MfaTokenLifetime = TimeSpan.FromMinutes(5);

    public Task<Result<TokenPair>> LoginAsync(string? username, string? password, ClientInfo client, CancellationToken cancellationToken) =>
        LoginAsync(username, password, totpCode: null, recoveryCode: null, client, cancellationToken);

    public async Task<Result<TokenPair>> LoginAsync(string? username, string? password, string? totpCode, string? recoveryCode, ClientInfo client, CancellationToken cancellationToken)
    {
        if (Required.Missing(("username", username), ("password", password)) is { } missing)
        {
            return missing;
        }
        if (PasswordPolicy.UsableProblem(password!) is { } passwordProblem)
        {
            return Failure.Validation("password", passwordProblem);
        }
        if (OneCodeProblem(totpCode, "totpCode", recoveryCode) is { } codeProblem)
        {
            return codeProblem;
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
        // Nothing about a second factor is read before this point: a wrong password costs and answers the same
        // whether or not the account has one.
        if (user is null || credentials is null || verification == PasswordVerification.Failed || credentials.Disabled)
        {
            throttle.Failed(attempt);
            audit.Record(new AuditEvent(AuditEventTypes.LoginFailed, Failure.InvalidCredentials.Code, SubjectUserId: user?.Id));
            return Failure.InvalidCredentials;
        }
        if (verification == PasswordVerification.SucceededRehashNeeded)
        {
            await users.UpdatePasswordHashAsync(user.Id, await hasher.HashAsync(password!, cancellationToken), passwordChanged: false, time.GetUtcNow().UtcDateTime, cancellationToken);
        }

        // Read only for accounts the credentials say have one: a login without a factor needs no other query (and so
        // keeps working from OutageCredentials while the database is down).
        var factor = credentials.SecondFactor ? await mfa.FactorOfAsync(user.Id, cancellationToken) : null;
        if (factor is not null && totpCode is null && recoveryCode is null)
        {
            // The password takes its own attempt back but clears none of the account's failures: only the second
            // factor does, or each password would buy a fresh round of code guesses.
            await throttle.ProvenAsync(attempt, cancellationToken);
            return Failure.MfaRequired(await StartChallengeAsync(user.Id, credentials.Cutoff, cancellationToken));
        }
        if (factor is not null && !await mfa.VerifyAsync(user.Id, factor, totpCode, recoveryCode, cancellationToken))
        {
            return CodeRefused(attempt, user.Id);
        }
        await throttle.SucceededAsync(attempt, cancellationToken);
        if (EmailUnverified(user) is { } unverified)
        {
            return unverified;
        }

        var session = await sessions.StartAsync(user.Id, credentials.Cutoff, secondFactor: factor is not null, client.Ip, client.UserAgent, cancellationToken);
        return await SignedInAsync(user, session, cancellationToken);
    }

    /// <summary>The second step: the <c>mfaToken</c> of a proved password and a TOTP code or a recovery code.</summary>
    public async Task<Result<TokenPair>> CompleteAsync(string? mfaToken, string? code, string? recoveryCode, ClientInfo client, CancellationToken cancellationToken)
    {
        if (Required.Missing(("mfaToken", mfaToken)) is { } missing)
        {
            return missing;
        }
        if (code is null && recoveryCode is null)
        {
            return Failure.Validation("code", "is required (or recoveryCode)");
        }
        if (OneCodeProblem(code, "code", recoveryCode) is { } codeProblem)
        {
            return codeProblem;
        }
        var tokenHash = HashOf(mfaToken!);
        if (await challenges.FindAsync(tokenHash, time.GetUtcNow(), cancellationToken) is not { } challenge
            || await users.FindByIdAsync(challenge.UserId, cancellationToken) is not { } user
            || await users.ReadCredentialsAsync(user.Id, cancellationToken) is not { Disabled: false } credentials
            // Sessions ended since the password was proved (a password change, logout everywhere): it may be stale.
            || credentials.Cutoff != challenge.Cutoff
            || await mfa.FactorOfAsync(user.Id, cancellationToken) is not { } factor)
        {
            return Failure.MfaTokenInvalid;
        }

        var (attempt, wait) = await throttle.TryAttemptAsync(user.UsernameNormalized, client.Ip, cancellationToken);
        if (attempt is null)
        {
            return Failure.RateLimited(wait);
        }
        if (!await mfa.VerifyAsync(user.Id, factor, code, recoveryCode, cancellationToken))
        {
            return CodeRefused(attempt, user.Id);
        }
        if (!await challenges.ConsumeAsync(tokenHash, cancellationToken))
        {
            // Another request completed this challenge first: one token, one login.
            await throttle.ProvenAsync(attempt, cancellationToken);
            return Failure.MfaTokenInvalid;
        }
        await throttle.SucceededAsync(attempt, cancellationToken);
        if (EmailUnverified(user) is { } unverified)
        {
            return unverified;
        }

        var session = await sessions.StartAsync(user.Id, challenge.Cutoff, secondFactor: true, client.Ip, client.UserAgent, cancellationToken);
        return await SignedInAsync(user, session, cancellationToken);
    }

    /// <summary>
    /// <c>Auth.RequireVerifiedEmail</c>'s refusal, told only to whoever proved the password (and any second factor): it
    /// says nothing about the account to anyone else.
    /// </summary>
    private Failure? EmailUnverified(User user)
    {
        if (!options.Value.RequireVerifiedEmail || user.EmailVerified)
        {
            return null;
        }
        audit.Record(new AuditEvent(AuditEventTypes.LoginFailed, Failure.EmailNotVerified.Code, SubjectUserId: user.Id));
        return Failure.EmailNotVerified;
    }

    private async Task<Result<TokenPair>> SignedInAsync(User user, Session? session, CancellationToken cancellationToken)
    {
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

    private Failure CodeRefused(LoginThrottle.Attempt attempt, long userId)
    {
        // Counted like a wrong password: the factor is guessed no faster than the password is.
        throttle.Failed(attempt);
        audit.Record(new AuditEvent(AuditEventTypes.MfaChallengeFailed, Failure.InvalidMfaCode.Code, userId, userId));
        return Failure.InvalidMfaCode;
    }

    private async Task<string> StartChallengeAsync(long userId, SessionCutoff cutoff, CancellationToken cancellationToken)
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        await challenges.AddAsync(HashOf(token), new MfaChallenge(userId, now, now + MfaTokenLifetime, cutoff), cancellationToken);
        return token;
    }

    // Stored by hash: whoever reads the challenge store cannot complete a login with what they read.
    private static string HashOf(string mfaToken) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(mfaToken)));

    private static Failure? OneCodeProblem(string? code, string codeField, string? recoveryCode) =>
        code is not null && recoveryCode is not null ? Failure.Validation("recoveryCode", $"must not be sent with {codeField}") : null;
}
