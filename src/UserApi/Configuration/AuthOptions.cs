using Microsoft.Extensions.Configuration;

namespace UserApi.Configuration;

/// <summary>
/// The <c>Auth</c> section (seed 003). Seed 000 calls the same section <c>JwtAuth</c>; both are read,
/// <c>Auth</c> winning, so either seed's YAML file loads unchanged.
/// </summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";
    public const string SeedAliasSectionName = "JwtAuth";

    /// <summary>
    /// The one algorithm of access tokens: <c>HS256</c> (signed with <see cref="AccessSecret"/>, as go-zero's),
    /// <c>ES256</c> or <c>RS256</c> (signed with the first of <see cref="SigningKeys"/>).
    /// </summary>
    public string Algorithm { get; set; } = SigningAlgorithms.HS256;

    /// <summary>ES256/RS256 only: the key ring; the first key signs, every key verifies (a rotation's next and previous keys).</summary>
    public List<SigningKeyOptions> SigningKeys { get; set; } = [];

    public string AccessSecret { get; set; } = "";

    /// <summary>Access-token lifetime in seconds.</summary>
    public long AccessExpire { get; set; } = 900;

    public string RefreshSecret { get; set; } = "";

    /// <summary>Absolute session lifetime in seconds: refresh tokens never outlive it.</summary>
    public long RefreshExpire { get; set; } = 604800;

    /// <summary>go-zero's <c>PrevSecret</c>: still accepted when verifying access tokens during a key rotation.</summary>
    public string PrevAccessSecret { get; set; } = "";

    /// <summary>The refresh-token counterpart of <see cref="PrevAccessSecret"/>: rotates <see cref="RefreshSecret"/> without ending every session.</summary>
    public string PrevRefreshSecret { get; set; } = "";

    public string Issuer { get; set; } = "user-api";

    public string Audience { get; set; } = "user-api";

    /// <summary>Seconds of clock skew tolerated on <c>exp</c> and <c>nbf</c>.</summary>
    public int ClockSkew { get; set; } = 30;

    /// <summary>Whether <c>POST /user/token</c> (seed 000) hands out anonymous access tokens.</summary>
    public bool AllowAnonymous { get; set; } = true;

    /// <summary>
    /// Whether any valid token reads another user's name by id on <c>POST /user/info</c> (seed 000). Off, a
    /// caller reads only its own, so a token (an anonymous one costs nothing) cannot walk the ids for every name.
    /// </summary>
    public bool PublicUserNames { get; set; } = true;

    /// <summary>
    /// Seconds during which the refresh token just replaced still yields the current pair (a client's retry,
    /// two tabs racing) instead of counting as reuse. 0 makes every second use a reuse.
    /// </summary>
    public int RefreshReuseInterval { get; set; } = 10;

    /// <summary>Sessions one user may hold; a login beyond it ends the oldest.</summary>
    public int MaxSessionsPerUser { get; set; } = 50;

    /// <summary>Seconds a session may go without a refresh before it ends; 0 disables (only <see cref="RefreshExpire"/> applies).</summary>
    public long SessionIdleTimeout { get; set; }

    /// <summary>
    /// Seconds between two reads of the revocations recorded in Redis since the last read: the longest a
    /// revocation whose message was lost goes unenforced on an instance (production mode only).
    /// </summary>
    public int RevocationResyncInterval { get; set; } = 10;

    /// <summary>
    /// The access-token cache's budget, in MiB: what remembered validations may cost, whatever number of
    /// tokens is presented (its entries: <see cref="Authentication.AccessTokenCache"/>).
    /// </summary>
    public int TokenCacheMegabytes { get; set; } = 64;

    /// <summary>Whether registration needs an <c>email</c>.</summary>
    public bool RequireEmail { get; set; }

    /// <summary>Whether a login is refused (403 <c>email_not_verified</c>) until the account's email is verified.</summary>
    public bool RequireVerifiedEmail { get; set; }

    /// <summary>Seconds an email-verification token is valid.</summary>
    public long VerifyTokenExpire { get; set; } = 86400;

    /// <summary>Seconds a password-reset token is valid: short, as the link grants the account (OWASP Forgot Password Cheat Sheet).</summary>
    public long ResetTokenExpire { get; set; } = 1800;

    public bool IsHmac => Algorithm == SigningAlgorithms.HS256;

    public TimeSpan AccessLifetime => TimeSpan.FromSeconds(AccessExpire);

    public TimeSpan RefreshLifetime => TimeSpan.FromSeconds(RefreshExpire);

    /// <summary>How long an ended session stays revoked: no access token of it can outlive its lifetime plus the tolerated skew.</summary>
    public TimeSpan RevocationLifetime => AccessLifetime + TimeSpan.FromSeconds(ClockSkew);

    public static void Bind(AuthOptions options, IConfiguration configuration)
    {
        configuration.GetSection(SeedAliasSectionName).Bind(options);
        configuration.GetSection(SectionName).Bind(options);
    }
}
