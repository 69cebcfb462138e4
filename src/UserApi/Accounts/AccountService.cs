using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using UserApi.Configuration;
using UserApi.Passwords;
using UserApi.Sessions;
using UserApi.Tokens;
using UserApi.Users;

namespace UserApi.Accounts;

/// <summary>The seed's logic layer: register, login, refresh and user look-ups.</summary>
public sealed class AccountService(
    IUserStore users,
    ISessionStore sessions,
    RevocationList revocations,
    PasswordHasher hasher,
    TokenService tokens,
    IOptions<AuthOptions> options,
    TimeProvider time,
    ILogger<AccountService> logger)
{
    private readonly AuthOptions _options = options.Value;

    public async Task<Result<User>> RegisterAsync(string? username, string? password, CancellationToken cancellationToken)
    {
        if (Required(username, password) is { } missing)
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
        var user = await users.CreateAsync(new NewUser(username!.Trim(), normalized, hasher.Hash(password!), User.DefaultRole, now), cancellationToken);
        if (user is null)
        {
            return AccountError.UsernameTaken;
        }
        logger.LogInformation("Registered user {UserId}", user.Id);
        return user;
    }

    public async Task<Result<TokenPair>> LoginAsync(string? username, string? password, ClientInfo client, CancellationToken cancellationToken)
    {
        if (Required(username, password) is { } missing)
        {
            return missing;
        }
        if (PasswordPolicy.UsableProblem(password!) is { } passwordProblem)
        {
            return AccountError.Validation("password", passwordProblem);
        }

        var normalized = Username.Normalize(username!);
        var user = normalized is null ? null : await users.FindByUsernameAsync(normalized, cancellationToken);
        if (user is null)
        {
            hasher.VerifyDummy(password!);
            return AccountError.InvalidCredentials;
        }

        var verification = hasher.Verify(user.PasswordHash, password!);
        if (verification == PasswordVerification.Failed || user.Disabled)
        {
            return AccountError.InvalidCredentials;
        }
        if (verification == PasswordVerification.SucceededRehashNeeded)
        {
            await users.UpdatePasswordHashAsync(user.Id, hasher.Hash(password!), passwordChanged: false, time.GetUtcNow().UtcDateTime, cancellationToken);
        }

        var now = time.GetUtcNow();
        var session = new Session(Ids.New(), user.Id, Ids.New(), null, now, now, now, now + _options.RefreshLifetime, client.Ip, client.UserAgent);
        await sessions.CreateAsync(session, cancellationToken);
        return tokens.Issue(user, session);
    }

    public async Task<Result<TokenPair>> RefreshAsync(string? refreshToken, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(refreshToken))
        {
            return AccountError.Validation("refreshToken", "is required");
        }

        var (claims, failure) = await tokens.ValidateRefreshTokenAsync(refreshToken);
        if (claims is null)
        {
            return failure == RefreshTokenFailure.Expired ? AccountError.TokenExpired : AccountError.TokenInvalid;
        }

        var user = await users.FindByIdAsync(claims.UserId, cancellationToken);
        if (user is null || user.Disabled)
        {
            await RevokeAsync(claims.UserId, claims.SessionId, cancellationToken);
            return AccountError.SessionRevoked;
        }

        var rotation = await sessions.RotateAsync(user.Id, claims.SessionId, claims.TokenId, Ids.New(), time.GetUtcNow(), cancellationToken);
        switch (rotation.Status)
        {
            case RotationStatus.Rotated:
                return tokens.Issue(user, rotation.Session!);
            case RotationStatus.Reused:
                revocations.Add(claims.SessionId, RevokedUntil());
                logger.LogWarning("Refresh token reuse for user {UserId}: session {SessionId} revoked", user.Id, claims.SessionId);
                return AccountError.RefreshTokenReused;
            default:
                return AccountError.SessionRevoked;
        }
    }

    public async Task<Result<User>> FindUserAsync(long id, CancellationToken cancellationToken) =>
        await users.FindByIdAsync(id, cancellationToken) is { Disabled: false } user ? user : AccountError.UserNotFound;

    public Result<AnonymousToken> IssueAnonymousToken() =>
        _options.AllowAnonymous ? tokens.IssueAnonymous() : AccountError.AnonymousDisabled;

    private async Task RevokeAsync(long userId, string sessionId, CancellationToken cancellationToken)
    {
        await sessions.RevokeAsync(userId, sessionId, cancellationToken);
        revocations.Add(sessionId, RevokedUntil());
    }

    // An access token outlives its session by at most its own lifetime plus the tolerated skew.
    private DateTimeOffset RevokedUntil() =>
        time.GetUtcNow() + _options.AccessLifetime + TimeSpan.FromSeconds(_options.ClockSkew);

    private static AccountError? Required(string? username, string? password) =>
        username is null ? AccountError.Validation("username", "is required")
        : password is null ? AccountError.Validation("password", "is required")
        : null;
}
