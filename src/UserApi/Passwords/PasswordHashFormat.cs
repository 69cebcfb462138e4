namespace UserApi.Passwords;

/// <summary>The stored password hashes the service verifies: its own, and those of the systems users are imported from.</summary>
public enum PasswordHashFormat
{
    /// <summary>Nothing this service can verify (or a cost it will not spend); such a hash matches no password.</summary>
    Unsupported,

    /// <summary>A PHC string <c>$argon2id$v=19$m=…,t=…,p=…$salt$hash</c>: what the service writes.</summary>
    Argon2id,

    /// <summary>bcrypt <c>$2a$</c>, <c>$2b$</c> or <c>$2y$</c>: what go-zero's user-api (golang.org/x/crypto/bcrypt), PHP and most Node services store.</summary>
    Bcrypt,

    /// <summary>ASP.NET Core Identity's base64 PBKDF2 format, version 2 (HMAC-SHA1, 1,000 iterations) or 3 (marker byte 0x01).</summary>
    AspNetIdentity,
}
