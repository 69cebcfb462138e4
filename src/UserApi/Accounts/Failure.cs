namespace UserApi.Accounts;

/// <summary>
/// An expected failure of a use case: the stable machine <c>code</c> clients switch on and a title for
/// people. How a code is answered over HTTP (its status) is decided in <c>Endpoints/Problems</c>.
/// </summary>
public sealed record Failure(string Code, string Title, IReadOnlyDictionary<string, string[]>? Errors = null, TimeSpan? RetryAfter = null)
{
    public static readonly Failure InvalidCredentials = new("invalid_credentials", "Invalid username or password.");
    public static readonly Failure UsernameTaken = new("username_taken", "That username is already registered.");
    public static readonly Failure UserIdTaken = new("user_id_taken", "That user id belongs to another user.");
    public static readonly Failure TokenInvalid = new("token_invalid", "The token is invalid.");
    public static readonly Failure TokenExpired = new("token_expired", "The token has expired.");
    public static readonly Failure RefreshTokenReused = new("refresh_token_reused", "The refresh token was already used; the session has been ended.");
    public static readonly Failure SessionRevoked = new("session_revoked", "The session has ended.");
    public static readonly Failure WrongPassword = new("wrong_password", "The current password is not correct.");
    public static readonly Failure SessionNotFound = new("session_not_found", "No such session.");
    public static readonly Failure UserNotFound = new("user_not_found", "No such user.");
    public static readonly Failure AnonymousDisabled = new("not_found", "Anonymous tokens are not enabled.");
    public static readonly Failure DiscoveryUnavailable = new("not_found", "Discovery is served when Auth.Issuer is this service's public base URL.");
    public static readonly Failure InvalidClient = new("invalid_client", "Client authentication failed.");
    public static readonly Failure InvalidRecoveryToken = new("invalid_token", "The link is not valid: it was used, it expired, or it was never issued.");
    public static readonly Failure EmailTaken = new("email_taken", "That email address belongs to another account.");
    public static readonly Failure EmailNotVerified = new("email_not_verified", "The account's email address is not verified yet.");
    public static readonly Failure EmailNotSet = new("email_not_set", "The account has no email address.");
    public static readonly Failure EmailAlreadyVerified = new("email_already_verified", "The email address is already verified.");
    public static readonly Failure RevocationsUnknown = new("backend_unavailable", "The revoked sessions are not loaded; try again shortly.");
    public static readonly Failure InvalidMfaCode = new("invalid_mfa_code", "The one-time code or recovery code is not valid.");
    public static readonly Failure MfaTokenInvalid = new("mfa_token_invalid", "The MFA token is unknown, used or expired; log in again.");
    public static readonly Failure WrongMfaCode = new("wrong_mfa_code", "The one-time code is not correct.");
    public static readonly Failure MfaAlreadyEnabled = new("mfa_already_enabled", "Two-factor authentication is already on; turn it off first.");
    public static readonly Failure MfaNotEnabled = new("mfa_not_enabled", "Two-factor authentication is not on.");
    public static readonly Failure MfaNotPending = new("mfa_not_pending", "No authenticator is waiting for confirmation; start with POST /user/mfa/totp.");

    public const string MfaRequiredCode = "mfa_required";

    public const string RateLimitedCode = "rate_limited";
    public const string ValidationCode = "validation_failed";
    public const string OverloadedCode = "overloaded";

    /// <summary>The password was right and the account has a second factor: the login completes at <c>POST /user/login/mfa</c> with this token.</summary>
    public static Failure MfaRequired(string mfaToken) =>
        new(MfaRequiredCode, "A second factor is required: send a code with the mfaToken to /user/login/mfa.") { MfaToken = mfaToken };

    /// <summary>For <see cref="MfaRequiredCode"/>: the single-use token that completes the login.</summary>
    public string? MfaToken { get; init; }

    public static Failure RateLimited(TimeSpan retryAfter) =>
        new(RateLimitedCode, "Too many failed attempts; try again later.", RetryAfter: retryAfter);

    public static Failure TooManyRequests(TimeSpan retryAfter) =>
        new(RateLimitedCode, "Too many requests; try again later.", RetryAfter: retryAfter);

    /// <summary>The password-hashing queue is too long to admit the request; nothing was done.</summary>
    public static Failure Overloaded(TimeSpan retryAfter) =>
        new(OverloadedCode, "The service is busy hashing passwords; try again later.", RetryAfter: retryAfter);

    public static Failure Validation(string field, string problem) =>
        new(ValidationCode, "The request is not valid.", new Dictionary<string, string[]> { [field] = [$"{field} {problem}."] });

    /// <summary>Why a token (access or refresh) did not validate, as its failure.</summary>
    public static Failure ForToken(Tokens.TokenFailure failure) => failure == Tokens.TokenFailure.Expired ? TokenExpired : TokenInvalid;
}

/// <summary>A use case's outcome: a value, or the <see cref="Failure"/> that explains its absence.</summary>
public readonly struct Result<T>
{
    private Result(T? value, Failure? failure)
    {
        Value = value;
        Failure = failure;
    }

    public T? Value { get; }

    public Failure? Failure { get; }

    public static implicit operator Result<T>(T value) => new(value, null);

    public static implicit operator Result<T>(Failure failure) => new(default, failure);
}
