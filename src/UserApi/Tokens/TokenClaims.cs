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

    /// <summary>How the user signed in (RFC 8176 §2): <c>pwd</c>, then <c>otp</c> when a second factor was proved.</summary>
    public const string AuthenticationMethods = "amr";

    public static readonly string[] PasswordOnly = ["pwd"];
    public static readonly string[] PasswordAndOtp = ["pwd", "otp"];

    public const string AnonymousRole = "anonymous";
}
