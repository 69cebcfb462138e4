using System.Text.Json.Serialization;

namespace UserApi.Contracts;

/// <summary>A JWK Set (RFC 7517 §5): the public keys access tokens are signed with.</summary>
public sealed record JsonWebKeySetResponse(IReadOnlyList<PublicJsonWebKey> Keys);

/// <summary>
/// A public key: only the members RFC 7518 §6.2.1 (EC) and §6.3.1 (RSA) define for public keys, with
/// <c>kid</c>, <c>use</c> and <c>alg</c> (RFC 7517 §4). The type has no place for <c>d</c>, <c>p</c>, <c>q</c> or
/// <c>k</c>, so no private or symmetric key material can be written, whatever the key it is made from.
/// </summary>
public sealed record PublicJsonWebKey(
    string Kty,
    string Kid,
    string Use,
    string Alg,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Crv,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? X,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Y,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? N,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? E);

/// <summary>
/// The provider metadata a consumer's <c>AddJwtBearer(o =&gt; o.Authority = …)</c> reads (OpenID Connect
/// Discovery 1.0 §3, RFC 8414 §2): the issuer its tokens carry, where the keys are, their algorithm.
/// </summary>
public sealed record DiscoveryResponse(
    [property: JsonPropertyName("issuer")] string Issuer,
    [property: JsonPropertyName("jwks_uri")] string JwksUri,
    [property: JsonPropertyName("id_token_signing_alg_values_supported")] IReadOnlyList<string> IdTokenSigningAlgValuesSupported,
    [property: JsonPropertyName("subject_types_supported")] IReadOnlyList<string> SubjectTypesSupported,
    [property: JsonPropertyName("introspection_endpoint")] string IntrospectionEndpoint,
    [property: JsonPropertyName("introspection_endpoint_auth_methods_supported")] IReadOnlyList<string> IntrospectionEndpointAuthMethodsSupported);
