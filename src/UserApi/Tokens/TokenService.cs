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
/// Issues and checks the two kinds of JWT. Each kind has its own key and <c>typ</c>, and validation
/// accepts exactly HS256, so neither kind passes for the other (RFC 8725 §3.1, §3.11).
/// </summary>
public sealed class TokenService
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    private readonly AuthOptions _options;
    private readonly TimeProvider _time;
    private readonly SigningCredentials _accessCredentials;
    private readonly SigningCredentials _refreshCredentials;
    private readonly TokenValidationParameters _refreshValidation;

    public TokenService(IOptions<AuthOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        var accessKey = HmacSignatureProviders.KeyFor(_options.AccessSecret);
        var refreshKey = HmacSignatureProviders.KeyFor(_options.RefreshSecret);
        _accessCredentials = new SigningCredentials(accessKey, SecurityAlgorithms.HmacSha256);
        _refreshCredentials = new SigningCredentials(refreshKey, SecurityAlgorithms.HmacSha256);

        var accessKeys = new List<SecurityKey> { accessKey };
        if (_options.PrevAccessSecret.Length > 0)
        {
            accessKeys.Add(HmacSignatureProviders.KeyFor(_options.PrevAccessSecret));
        }
        AccessValidation = Validation(TokenClaims.AccessTokenType, accessKeys);
        _refreshValidation = Validation(TokenClaims.RefreshTokenType, [refreshKey]);
    }

    /// <summary>What access tokens are checked against.</summary>
    public TokenValidationParameters AccessValidation { get; }

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
            SigningCredentials = _accessCredentials,
            Claims = new Dictionary<string, object>(5)
            {
                [TokenClaims.Subject] = user.Id.ToString(CultureInfo.InvariantCulture),
                [TokenClaims.UserId] = user.Id,
                [TokenClaims.Role] = user.Role,
                [TokenClaims.SessionId] = session.Id,
                [TokenClaims.TokenId] = Ids.Derived("access", session.RefreshJti),
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
            SigningCredentials = _refreshCredentials,
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
            SigningCredentials = _accessCredentials,
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
        var result = await Handler.ValidateTokenAsync(token, _refreshValidation);
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

    private TokenValidationParameters Validation(string type, IReadOnlyList<SecurityKey> keys) => new()
    {
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        TypeValidator = TokenShape.Validator(type, _time),
        IssuerSigningKeys = keys,
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
