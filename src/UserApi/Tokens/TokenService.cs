using System.Globalization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using UserApi.Configuration;
using UserApi.Infrastructure;
using UserApi.Sessions;
using UserApi.Users;

namespace UserApi.Tokens;

public sealed record TokenPair(string AccessToken, string RefreshToken, DateTimeOffset IssuedAt, DateTimeOffset AccessExpiresAt, DateTimeOffset RefreshExpiresAt);

public sealed record AnonymousToken(string AccessToken, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt);

/// <summary>The claims a valid refresh token carries.</summary>
public sealed record RefreshTokenClaims(long UserId, string SessionId, string TokenId);

/// <summary>Why a token did not validate: the two outcomes a client can act on differently.</summary>
public enum TokenFailure
{
    Invalid,
    Expired,
}

/// <summary>
/// Issues and checks the two kinds of JWT. Each kind has its own keys and <c>typ</c>, and validation accepts
/// exactly one algorithm per kind (RFC 8725 §3.1, §3.11): the configured one for access tokens, HS256 for
/// refresh tokens, which only this service reads. The keys are the current <see cref="SigningKeyRing"/>.
/// </summary>
public sealed class TokenService
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    private readonly AuthOptions _options;
    private readonly TimeProvider _time;
    private readonly SigningKeys _keys;
    private volatile Validations _validations;

    public TokenService(IOptions<AuthOptions> options, TimeProvider time, SigningKeys keys)
    {
        _options = options.Value;
        _time = time;
        _keys = keys;
        _validations = ValidationsFor(keys.Current);
    }

    /// <summary>Keys from the options alone, files relative to the working directory (tests, benchmarks).</summary>
    public TokenService(IOptions<AuthOptions> options, TimeProvider time) : this(options, time, new SigningKeys(options, Directory.GetCurrentDirectory()))
    {
    }

    /// <summary>Raised when the keys changed: a token validated before may no longer be.</summary>
    public event Action? KeysChanged
    {
        add => _keys.Changed += value;
        remove => _keys.Changed -= value;
    }

    /// <summary>What access tokens are checked against now.</summary>
    public TokenValidationParameters AccessValidation => Current.Access;

    /// <summary>The library's full check of an access token (the authentication's token cache remembers valid ones).</summary>
    public Task<TokenValidationResult> ValidateAccessTokenAsync(string token) => Handler.ValidateTokenAsync(token, AccessValidation);

    /// <summary>The failure a validation result stands for; every kind of token maps its result here.</summary>
    public static TokenFailure FailureOf(TokenValidationResult result) =>
        result.Exception is SecurityTokenExpiredException ? TokenFailure.Expired : TokenFailure.Invalid;

    /// <summary>
    /// The pair for the session's current refresh token. It depends only on the user and the session, so
    /// issuing it again (a retry within the reuse interval) yields the very same tokens.
    /// </summary>
    public TokenPair Issue(User user, Session session)
    {
        var ring = _keys.Current;
        var issuedAt = session.LastUsedAt;
        var accessExpires = Min(issuedAt + _options.AccessLifetime, session.ExpiresAt);
        var access = Handler.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = TokenClaims.AccessTokenType,
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = issuedAt.UtcDateTime,
            NotBefore = issuedAt.UtcDateTime,
            Expires = accessExpires.UtcDateTime,
            SigningCredentials = ring.AccessSigning,
            Claims = new Dictionary<string, object>(6)
            {
                [TokenClaims.Subject] = user.Id.ToString(CultureInfo.InvariantCulture),
                [TokenClaims.UserId] = user.Id,
                [TokenClaims.Role] = user.Role,
                [TokenClaims.SessionId] = session.Id,
                [TokenClaims.TokenId] = Ids.Derived("access", session.RefreshJti),
                // The session's, so that a refresh keeps saying how its login was made.
                [TokenClaims.AuthenticationMethods] = session.SecondFactor ? TokenClaims.PasswordAndOtp : TokenClaims.PasswordOnly,
            },
        });
        var refresh = Handler.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = TokenClaims.RefreshTokenType,
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = issuedAt.UtcDateTime,
            NotBefore = issuedAt.UtcDateTime,
            Expires = session.ExpiresAt.UtcDateTime,
            SigningCredentials = ring.RefreshSigning,
            Claims = new Dictionary<string, object>(3)
            {
                [TokenClaims.Subject] = user.Id.ToString(CultureInfo.InvariantCulture),
                [TokenClaims.SessionId] = session.Id,
                [TokenClaims.TokenId] = session.RefreshJti,
            },
        });
        return new TokenPair(access, refresh, issuedAt, accessExpires, session.ExpiresAt);
    }

    public AnonymousToken IssueAnonymous()
    {
        var ring = _keys.Current;
        var now = _time.GetUtcNow();
        var expires = now + _options.AccessLifetime;
        var token = Handler.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = TokenClaims.AccessTokenType,
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = ring.AccessSigning,
            Claims = new Dictionary<string, object>(3)
            {
                [TokenClaims.Subject] = $"anonymous:{Ids.New()}",
                [TokenClaims.Role] = TokenClaims.AnonymousRole,
                [TokenClaims.TokenId] = Ids.New(),
            },
        });
        return new AnonymousToken(token, now, expires);
    }

    public async Task<(RefreshTokenClaims? Claims, TokenFailure Failure)> ValidateRefreshTokenAsync(string token)
    {
        var result = await Handler.ValidateTokenAsync(token, Current.Refresh);
        if (!result.IsValid)
        {
            return (null, FailureOf(result));
        }
        // Read from the token itself: building the claims identity would cost a fifth of the validation.
        if (result.SecurityToken is JsonWebToken jwt
            && jwt.TryGetPayloadValue<string>(TokenClaims.Subject, out var subject)
            && long.TryParse(subject, NumberStyles.None, CultureInfo.InvariantCulture, out var userId)
            && jwt.TryGetPayloadValue<string>(TokenClaims.SessionId, out var sessionId)
            && jwt.TryGetPayloadValue<string>(TokenClaims.TokenId, out var tokenId))
        {
            return (new RefreshTokenClaims(userId, sessionId, tokenId), default);
        }
        return (null, TokenFailure.Invalid);
    }

    /// <summary>The validation parameters of the current ring, made once per ring.</summary>
    private Validations Current
    {
        get
        {
            var validations = _validations;
            var ring = _keys.Current;
            return ReferenceEquals(validations.Ring, ring) ? validations : _validations = ValidationsFor(ring);
        }
    }

    private Validations ValidationsFor(SigningKeyRing ring) => new(
        ring,
        Validation(TokenClaims.AccessTokenType, ring.IsHmac ? SecurityAlgorithms.HmacSha256 : ring.AccessSigning.Algorithm, ring.AccessKeys, ring.AccessKids, kidRequired: !ring.IsHmac),
        // Refresh tokens issued before they carried a kid stay valid: HS256 keys may be tried in turn.
        Validation(TokenClaims.RefreshTokenType, SecurityAlgorithms.HmacSha256, ring.RefreshKeys, ring.RefreshKids, kidRequired: false));

    private TokenValidationParameters Validation(string type, string algorithm, IReadOnlyList<SecurityKey> keys, IReadOnlySet<string> kids, bool kidRequired) => new()
    {
        ValidAlgorithms = [algorithm],
        TypeValidator = TokenShape.Validator(type, _time, kids, kidRequired),
        IssuerSigningKeys = keys,
        // A kid names its key; a token naming none (HS256 tokens issued before kids, go-zero's) may try each
        // secret. An asymmetric token must name a key of the ring: an unknown or retired kid is refused, never
        // tried against the others (RFC 8725 §3.10 leaves key selection to the application).
        TryAllIssuerSigningKeys = !kidRequired,
        ValidIssuer = _options.Issuer,
        ValidAudience = _options.Audience,
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateLifetime = true,
        ClockSkew = TimeSpan.FromSeconds(_options.ClockSkew),
        LifetimeValidator = ValidateLifetime,
        NameClaimType = TokenClaims.Subject,
        RoleClaimType = TokenClaims.Role,
    };

    private sealed record Validations(SigningKeyRing Ring, TokenValidationParameters Access, TokenValidationParameters Refresh);

    /// <summary>
    /// RFC 7519 §4.1.4/§4.1.5 against the injected clock (the library's own check reads the system clock):
    /// <c>exp</c> is required, and both bounds allow <see cref="AuthOptions.ClockSkew"/>.
    /// </summary>
    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (expires is null)
        {
            throw new SecurityTokenNoExpirationException("The token has no exp claim.");
        }
        if (notBefore is { } nbf && nbf > expires)
        {
            throw new SecurityTokenInvalidLifetimeException("The token's nbf is after its exp.");
        }
        if (notBefore is { } start && start > now + parameters.ClockSkew)
        {
            throw new SecurityTokenNotYetValidException("The token is not valid yet.") { NotBefore = start };
        }
        if (expires.Value < now - parameters.ClockSkew)
        {
            throw new SecurityTokenExpiredException("The token has expired.") { Expires = expires.Value };
        }
        return true;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
