using System.Text.Json;

namespace UserApi.Contracts;

/// <summary>Seed 003's <c>RegisterReq</c>, plus an optional email (account recovery).</summary>
public sealed record RegisterRequest(string? Username, string? Password, string? Email = null);

/// <summary>Seed 003's <c>LoginReq</c>; a second factor's code may come with the password (as ASP.NET Core Identity's <c>twoFactorCode</c>).</summary>
public sealed record LoginRequest(string? Username, string? Password, string? TotpCode = null, string? RecoveryCode = null);

public sealed record RefreshRequest(string? RefreshToken);

/// <summary>Seed 000's <c>GetUserRequest</c>: the seed sends the id as a string; a number is accepted too.</summary>
public sealed record GetUserRequest(JsonElement UserId);

/// <summary>Seed 000's <c>JwtTokenRequest</c>: empty.</summary>
public sealed record TokenRequest;
