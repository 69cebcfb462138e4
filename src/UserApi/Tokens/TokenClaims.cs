namespace UserApi.Tokens;

/// <summary>Claim and type names of the tokens (docs/design.md §3.4; RFC 9068 for <c>at+jwt</c>).</summary>
public static class TokenClaims
{
    public const string AccessTokenType = "at+jwt";
    public const string RefreshTokenType = "rt+jwt";

    public const string Subject = "sub";
    public const string UserId = "userId";
    public const string Role = "role";
    public const string SessionId = "sid";
    public const string TokenId = "jti";
    public const string IssuedAt = "iat";

    public const string AnonymousRole = "anonymous";
}
