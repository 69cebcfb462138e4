namespace UserApi.Configuration;

/// <summary>The values of <c>Auth.Algorithm</c>: JWS algorithm names (RFC 7518 §3.1).</summary>
public static class SigningAlgorithms
{
    public const string HS256 = "HS256";
    public const string ES256 = "ES256";
    public const string RS256 = "RS256";

    public static readonly IReadOnlyList<string> Supported = [HS256, ES256, RS256];
}
