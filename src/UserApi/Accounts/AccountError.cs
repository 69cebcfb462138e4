using Microsoft.AspNetCore.Http;

namespace UserApi.Accounts;

/// <summary>An expected failure of a use case: its HTTP status and the stable machine <c>code</c> clients switch on.</summary>
public sealed record AccountError(int Status, string Code, string Title, IReadOnlyDictionary<string, string[]>? Errors = null, TimeSpan? RetryAfter = null)
{
    public static readonly AccountError InvalidCredentials = new(StatusCodes.Status401Unauthorized, "invalid_credentials", "Invalid username or password.");
    public static readonly AccountError UsernameTaken = new(StatusCodes.Status409Conflict, "username_taken", "That username is already registered.");
    public static readonly AccountError UserIdTaken = new(StatusCodes.Status409Conflict, "user_id_taken", "That user id belongs to another user.");
    public static readonly AccountError TokenInvalid = new(StatusCodes.Status401Unauthorized, "token_invalid", "The token is invalid.");
    public static readonly AccountError TokenExpired = new(StatusCodes.Status401Unauthorized, "token_expired", "The token has expired.");
    public static readonly AccountError RefreshTokenReused = new(StatusCodes.Status401Unauthorized, "refresh_token_reused", "The refresh token was already used; the session has been ended.");
    public static readonly AccountError SessionRevoked = new(StatusCodes.Status401Unauthorized, "session_revoked", "The session has ended.");
    public static readonly AccountError WrongPassword = new(StatusCodes.Status403Forbidden, "wrong_password", "The current password is not correct.");
    public static readonly AccountError SessionNotFound = new(StatusCodes.Status404NotFound, "session_not_found", "No such session.");
    public static readonly AccountError UserNotFound = new(StatusCodes.Status404NotFound, "user_not_found", "No such user.");
    public static readonly AccountError AnonymousDisabled = new(StatusCodes.Status404NotFound, "not_found", "Anonymous tokens are not enabled.");

    public static AccountError RateLimited(TimeSpan retryAfter) =>
        new(StatusCodes.Status429TooManyRequests, "rate_limited", "Too many failed attempts; try again later.", RetryAfter: retryAfter);

    public static AccountError Validation(string field, string problem) =>
        new(StatusCodes.Status400BadRequest, "validation_failed", "The request is not valid.",
            new Dictionary<string, string[]> { [field] = [$"{field} {problem}."] });
}

/// <summary>A use case's outcome: a value, or the <see cref="AccountError"/> that explains its absence.</summary>
public readonly struct Result<T>
{
    private Result(T? value, AccountError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public AccountError? Error { get; }

    public static implicit operator Result<T>(T value) => new(value, null);

    public static implicit operator Result<T>(AccountError error) => new(default, error);

}
