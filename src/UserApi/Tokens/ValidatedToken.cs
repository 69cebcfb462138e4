using Microsoft.IdentityModel.Tokens;

namespace UserApi.Tokens;

/// <summary>A validation result; when valid, with the caller's principal.</summary>
public sealed record ValidatedToken(TokenValidationResult Result, AccessTokenPrincipal? Principal);
