using System.Text.Json.Serialization;
using UserApi.Tokens;
using UserApi.Users;

namespace UserApi.Contracts;

/// <summary>Seed 003's <c>LoginResp</c>, plus what a client needs to schedule its refresh.</summary>
public sealed record LoginResponse(
    string AccessToken,
    string RefreshToken,
    long ExpiresIn,
    long RefreshExpiresIn,
    long RefreshAfter,
    string TokenType)
{
    public static LoginResponse From(TokenPair pair) => new(
        pair.AccessToken,
        pair.RefreshToken,
        Seconds(pair.AccessExpiresAt - pair.IssuedAt),
        Seconds(pair.RefreshExpiresAt - pair.IssuedAt),
        // Seed 000: the absolute time at which the client should refresh, half-way through the access lifetime.
        (pair.IssuedAt + (pair.AccessExpiresAt - pair.IssuedAt) / 2).ToUnixTimeSeconds(),
        "Bearer");

    private static long Seconds(TimeSpan span) => (long)Math.Round(span.TotalSeconds);
}

/// <summary>Seed 003's <c>UserInfoResp</c>, plus the email and whether it is verified when the account has one.</summary>
public sealed record UserInfoResponse(
    long Id,
    string Username,
    string Role,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Email = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? EmailVerified = null)
{
    public static UserInfoResponse From(User user) =>
        new(user.Id, user.Username, user.Role, user.Email, user.Email is null ? null : user.EmailVerified);
}

/// <summary>Seed 000's <c>JwtTokenResponse</c>: snake_case names and absolute Unix times, as the seed has them.</summary>
public sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("access_expire")] long AccessExpire,
    [property: JsonPropertyName("refresh_after")] long RefreshAfter)
{
    public static TokenResponse From(AnonymousToken token) => new(
        token.AccessToken,
        token.ExpiresAt.ToUnixTimeSeconds(),
        (token.IssuedAt + (token.ExpiresAt - token.IssuedAt) / 2).ToUnixTimeSeconds());
}

/// <summary>Seed 000's <c>GetUserResponse</c>.</summary>
public sealed record GetUserResponse(string Name);

public sealed record HealthResponse(string Status);
