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

    public string AccessSecret { get; set; } = "";

    /// <summary>Access-token lifetime in seconds.</summary>
    public long AccessExpire { get; set; } = 900;

    public string RefreshSecret { get; set; } = "";

    /// <summary>Absolute session lifetime in seconds: refresh tokens never outlive it.</summary>
    public long RefreshExpire { get; set; } = 604800;

    /// <summary>go-zero's <c>PrevSecret</c>: still accepted when verifying access tokens during a key rotation.</summary>
    public string PrevAccessSecret { get; set; } = "";

    public string Issuer { get; set; } = "user-api";

    public string Audience { get; set; } = "user-api";

    /// <summary>Seconds of clock skew tolerated on <c>exp</c> and <c>nbf</c>.</summary>
    public int ClockSkew { get; set; } = 30;

    /// <summary>Whether <c>POST /user/token</c> (seed 000) hands out anonymous access tokens.</summary>
    public bool AllowAnonymous { get; set; } = true;

    public TimeSpan AccessLifetime => TimeSpan.FromSeconds(AccessExpire);

    public TimeSpan RefreshLifetime => TimeSpan.FromSeconds(RefreshExpire);

    public static void Bind(AuthOptions options, IConfiguration configuration)
    {
        configuration.GetSection(SeedAliasSectionName).Bind(options);
        configuration.GetSection(SectionName).Bind(options);
    }
}
