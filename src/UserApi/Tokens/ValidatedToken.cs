using System.Security.Claims;
using Microsoft.IdentityModel.Tokens;

namespace UserApi.Tokens;

/// <summary>A validation result; when valid, with the caller's principal and session id (none for anonymous tokens) read once.</summary>
public sealed record ValidatedToken(TokenValidationResult Result, ClaimsPrincipal? Principal, string? SessionId);
