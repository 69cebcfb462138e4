using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UserApi.Configuration;
using UserApi.Hosting;
using UserApi.Passwords;
using UserApi.Security;
using UserApi.Sessions;
using UserApi.Tokens;
using UserApi.Users;

namespace UserApi.Accounts;

/// <summary>The seed's logic layer: register, login, refresh, user look-ups, password change, disabling.</summary>
public sealed class AccountService(
    IUserStore users,
    ISessionStore sessions,
    SessionRevoker revoker,
    LoginThrottle throttle,
    PasswordHasher hasher,
    TokenService tokens,
    IOptions<AuthOptions> options,
    TimeProvider time,
    UserApiMetrics metrics,
    ILogger<AccountService> logger)
{
    private readonly AuthOptions _options = options.Value;

    public async Task<Result<User>> RegisterAsync(string? username, string? password, CancellationToken cancellationToken) =>
        UserApiMetrics.Count(metrics.Registrations, await TryRegisterAsync(username, password, cancellationToken));

    public async Task<Result<TokenPair>> LoginAsync(string? username, string? password, ClientInfo client, CancellationToken cancellationToken) =>
        UserApiMetrics.Count(metrics.Logins, await TryLoginAsync(username, password, client, cancellationToken));

    public async Task<Result<TokenPair>> RefreshAsync(string? refreshToken, CancellationToken cancellationToken) =>
        UserApiMetrics.Count(metrics.Refreshes, await TryRefreshAsync(refreshToken, cancellationToken));

    private async Task<Result<User>> TryRegisterAsync(string? username, string? password, CancellationToken cancellationToken)
    {
        if (Required(("username", username), ("password", password)) is { } missing)
        {
            return missing;
        }
        if (Username.Problem(username!) is { } usernameProblem)
        {
            return AccountError.Validation("username", usernameProblem);
        }
        if (PasswordPolicy.NewPasswordProblem(password!) is { } passwordProblem)
        {
            return AccountError.Validation("password", passwordProblem);
        }

        var normalized = Username.Normalize(username!)!;
        if (await users.FindByUsernameAsync(normalized, cancellationToken) is not null)
        {
            return AccountError.UsernameTaken;
        }
        var now = time.GetUtcNow().UtcDateTime;
        var user = await users.CreateAsync(new NewUser(username!.Trim(), normalized, await hasher.HashAsync(password!, cancellationToken), User.DefaultRole, now), cancellationToken);
        if (user is null)
        {
            return AccountError.UsernameTaken;
        }
        logger.LogInformation("Registered user {UserId}", user.Id);
        return user;
    }

    private async Task<Result<TokenPair>> TryLoginAsync(string? username, string? password, ClientInfo client, CancellationToken cancellationToken)
    {
        if (Required(("username", username), ("password", password)) is { } missing)
        {
            return missing;
        }
        if (PasswordPolicy.UsableProblem(password!) is { } passwordProblem)
        {
            return AccountError.Validation("password", passwordProblem);
        }

        // A name no account can have is counted like any unknown one, without a look-up.
        var normalized = Username.Problem(username!) is null ? Username.Normalize(username!)! : null;
        var account = normalized ?? username!;
        if (await throttle.RetryAfterAsync(account, client.Ip, cancellationToken) is { } wait)
        {
            return AccountError.RateLimited(wait);
        }

        var user = normalized is null ? null : await users.FindByUsernameAsync(normalized, cancellationToken);
        var verification = user is null ? await hasher.VerifyDummyAsync(password!, cancellationToken) : await hasher.VerifyAsync(user.PasswordHash, password!, cancellationToken);
        if (user is null || verification == PasswordVerification.Failed || user.Disabled)
        {
            await throttle.RecordFailureAsync(account, client.Ip, cancellationToken);
            return AccountError.InvalidCredentials;
        }
        await throttle.RecordSuccessAsync(account, cancellationToken);
        if (verification == PasswordVerification.SucceededRehashNeeded)
        {
            await users.UpdatePasswordHashAsync(user.Id, await hasher.HashAsync(password!, cancellationToken), passwordChanged: false, time.GetUtcNow().UtcDateTime, cancellationToken);
        }

        var now = time.GetUtcNow();
        var session = new Session(Ids.New(), user.Id, Ids.New(), null, now, now, now + _options.RefreshLifetime, client.Ip, client.UserAgent);
        var evicted = await sessions.CreateAsync(session, _options.MaxSessionsPerUser, cancellationToken);
        await revoker.MarkRevokedAsync(evicted, cancellationToken);
        return tokens.Issue(user, session);
    }

    private async Task<Result<TokenPair>> TryRefreshAsync(string? refreshToken, CancellationToken cancellationToken)
    {
        if (Required(("refreshToken", refreshToken)) is { } missing)
        {
            return missing;
        }

        var (claims, failure) = await tokens.ValidateRefreshTokenAsync(refreshToken!);
        if (claims is null)
        {
            return failure == RefreshTokenFailure.Expired ? AccountError.TokenExpired : AccountError.TokenInvalid;
        }

        var user = await users.FindByIdAsync(claims.UserId, cancellationToken);
        if (user is null || user.Disabled)
        {
            await revoker.RevokeAsync(claims.UserId, claims.SessionId, cancellationToken);
            return AccountError.SessionRevoked;
        }

        var policy = new RotationPolicy(TimeSpan.FromSeconds(_options.RefreshReuseInterval), TimeSpan.FromSeconds(_options.SessionIdleTimeout));
        var rotation = await sessions.RotateAsync(user.Id, claims.SessionId, claims.TokenId, Ids.New(), time.GetUtcNow(), policy, cancellationToken);
        switch (rotation.Status)
        {
            case RotationStatus.Rotated or RotationStatus.Replayed:
                return tokens.Issue(user, rotation.Session!);
            case RotationStatus.Reused:
                // A spent refresh token in use means the family leaked (RFC 9700 §4.14.2): end it all.
                await revoker.MarkRevokedAsync([claims.SessionId], cancellationToken);
                logger.LogWarning("Refresh token reuse for user {UserId}: session {SessionId} revoked", user.Id, claims.SessionId);
                return AccountError.RefreshTokenReused;
            default:
                return AccountError.SessionRevoked;
        }
    }

    /// <summary>The caller's own account: a disabled or deleted user's token no longer counts.</summary>
    public async ValueTask<Result<User>> CurrentUserAsync(long id, CancellationToken cancellationToken) =>
        await users.FindByIdAsync(id, cancellationToken) is { Disabled: false } user ? user : AccountError.SessionRevoked;

    public async ValueTask<Result<User>> FindUserAsync(long id, CancellationToken cancellationToken) =>
        await users.FindByIdAsync(id, cancellationToken) is { Disabled: false } user ? user : AccountError.UserNotFound;

    public Result<AnonymousToken> IssueAnonymousToken() =>
        _options.AllowAnonymous ? tokens.IssueAnonymous() : AccountError.AnonymousDisabled;

    /// <summary>Changes the password and ends every other session of the user (the current one stays).</summary>
    public async Task<Result<User>> ChangePasswordAsync(long userId, string currentSessionId, string? oldPassword, string? newPassword, ClientInfo client, CancellationToken cancellationToken)
    {
        if (Required(("oldPassword", oldPassword), ("newPassword", newPassword)) is { } missing)
        {
            return missing;
        }
        if (PasswordPolicy.UsableProblem(oldPassword!) is { } oldProblem)
        {
            return AccountError.Validation("oldPassword", oldProblem);
        }
        if (PasswordPolicy.NewPasswordProblem(newPassword!) is { } newProblem)
        {
            return AccountError.Validation("newPassword", newProblem);
        }
        var current = await CurrentUserAsync(userId, cancellationToken);
        if (current.Error is { } error)
        {
            return error;
        }
        var user = current.Value!;
        // A stolen access token must not become a way to guess the password.
        if (await throttle.RetryAfterAsync(user.UsernameNormalized, client.Ip, cancellationToken) is { } wait)
        {
            return AccountError.RateLimited(wait);
        }
        if (await hasher.VerifyAsync(user.PasswordHash, oldPassword!, cancellationToken) == PasswordVerification.Failed)
        {
            await throttle.RecordFailureAsync(user.UsernameNormalized, client.Ip, cancellationToken);
            return AccountError.WrongPassword;
        }

        await users.UpdatePasswordHashAsync(user.Id, await hasher.HashAsync(newPassword!, cancellationToken), passwordChanged: true, time.GetUtcNow().UtcDateTime, cancellationToken);
        var ended = await revoker.RevokeAllAsync(user.Id, currentSessionId, cancellationToken);
        logger.LogInformation("User {UserId} changed password; {Count} other sessions ended", user.Id, ended.Count);
        return user;
    }

    /// <summary>Disables (or re-enables) an account; disabling ends all its sessions on every instance.</summary>
    public async Task<Result<User>> SetDisabledAsync(string username, bool disabled, CancellationToken cancellationToken)
    {
        if (await FindByUsernameAsync(username, cancellationToken) is not { } user)
        {
            return AccountError.UserNotFound;
        }
        await users.SetDisabledAsync(user.Id, disabled, time.GetUtcNow().UtcDateTime, cancellationToken);
        if (disabled)
        {
            await revoker.RevokeAllAsync(user.Id, null, cancellationToken);
        }
        return user with { Disabled = disabled };
    }

    /// <summary>Deletes an account and ends its sessions on every instance.</summary>
    public async Task<Result<User>> DeleteAsync(string username, CancellationToken cancellationToken)
    {
        if (await FindByUsernameAsync(username, cancellationToken) is not { } user)
        {
            return AccountError.UserNotFound;
        }
        await revoker.RevokeAllAsync(user.Id, null, cancellationToken);
        await users.DeleteAsync(user, cancellationToken);
        logger.LogInformation("Deleted user {UserId}", user.Id);
        return user;
    }

    private async Task<User?> FindByUsernameAsync(string username, CancellationToken cancellationToken) =>
        Username.Normalize(username) is { } normalized ? await users.FindByUsernameAsync(normalized, cancellationToken) : null;

    private static AccountError? Required(params (string Field, string? Value)[] fields) =>
        fields.FirstOrDefault(f => f.Value is null) is { Field: { } field } ? AccountError.Validation(field, "is required") : null;
}
